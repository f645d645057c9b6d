// One joined (or left) room of a sync answer, in named steps: timeline → gap state →
// state filter and lazy-member trim → (anything to say?) → the room object. Sliding sync
// runs the same steps over its own room lists.
#include "event/event_types.hpp"
#include "room/event.hpp"
#include "sync/sync_context.hpp"
#include "util/json_fields.hpp"
#include "util/stream_token.hpp"

#include <boost/json.hpp>

namespace myelin::sync {

namespace json = boost::json;

std::optional<std::string> SyncService::joined_room(Ctx& c, const std::string& room_id, bool full,
                                                    bool check_visibility, std::int64_t lower,
                                                    std::int64_t upper) {
    RoomParts p;
    p.room_id = room_id;
    p.full = full;
    p.lower = lower;
    p.upper = upper;
    p.version = &rooms_.version_of(room_id);
    if (check_visibility) p.vis.emplace(store_, room_id, c.req.user_id);
    // For an incremental room (no visibility check, not full) the timeline and gap state are
    // the same for every sync with this range and filter: computed once and shared (a fan-out
    // wakes thousands of syncs with the same range).
    p.shareable = !check_visibility && !full;
    p.device_key = c.req.user_id + "|" + c.req.device_id;
    timeline_step(c, p);
    gap_state_step(c, p);
    lazy_members_step(c, p);
    if (!full && !has_news(c, p)) return std::nullopt;
    if (c.req.filter.state.lazy_load_members)
        for (const auto* list : {&p.timeline, &p.state, &p.state_after})
            for (const auto& s : *list)
                if (s.type == event_type::member && s.state_key)
                    lazy_members_.record(p.device_key, room_id, *s.state_key, s.event_id, c.pos);
    return room_json_step(c, p);
}

// The newest `limit` matching events in (lower, upper], oldest first, and whether older ones
// were left out (`limited`).
void SyncService::timeline_step(Ctx& c, RoomParts& p) {
    const auto& filter = c.req.filter;
    if (p.shareable) {
        p.slice_key = p.room_id + "|" + std::to_string(p.lower) + "|" + std::to_string(p.upper) +
                      "|" + std::to_string(c.base) + (c.req.use_state_after ? "|a|" : "|s|") +
                      filter.cache_key;
        if (const auto* slice = timelines_.find(p.slice_key)) {
            p.from_slice = true;
            p.timeline = slice->timeline;
            p.limited = slice->limited;
            p.state = slice->gap_state;
            p.state_after = slice->state_after;
        }
    }
    if (!p.from_slice) {
        auto limit = std::max<std::int64_t>(filter.timeline_limit(), 0);
        std::int64_t cursor = p.upper;
        bool exhausted = limit == 0;
        while (!exhausted && static_cast<std::int64_t>(p.timeline.size()) < limit) {
            auto want = static_cast<std::size_t>(std::max<std::int64_t>(limit, 10) + 1);
            // Only the range: a sync woken by one message reads that message, not a page.
            auto batch = store_.room_events_between(p.room_id, p.lower, cursor, want);
            if (batch.size() < want) exhausted = true;
            for (auto& r : batch) {
                if (r.stream_ordering <= p.lower) {
                    exhausted = true;
                    break;
                }
                cursor = r.stream_ordering - 1;
                if (p.vis && !p.vis->can_see(r)) continue;
                auto e = room::parse_event(r);
                if (!filter.timeline.matches(*e)) continue;
                p.timeline.push_back(std::move(r));
                if (static_cast<std::int64_t>(p.timeline.size()) >= limit) {
                    // Full: whether anything older is left in the range decides `limited`.
                    exhausted = false;
                    break;
                }
            }
        }
        if (!exhausted || limit == 0) {
            auto older = store_.room_events(p.room_id, limit == 0 ? p.upper : cursor, 'b', 1);
            p.limited = !older.empty() && older.front().stream_ordering > p.lower;
        }
        std::reverse(p.timeline.begin(), p.timeline.end());
    }
    p.start = p.timeline.empty() ? p.upper : p.timeline.front().stream_ordering - 1;
    for (const auto& t : p.timeline)
        p.timeline_senders.insert(t.sender);
    p.senders = p.timeline_senders;
    p.senders.insert(c.req.user_id);
}

// State at the start of the timeline: all of it for a full room, the part that changed in
// the gap for a limited incremental one (and the same at `upper` for use_state_after).
void SyncService::gap_state_step(Ctx& c, RoomParts& p) {
    if (p.from_slice) return;
    const bool lazy = c.req.filter.state.lazy_load_members;
    auto full_state_at = [&](std::int64_t at) {
        return lazy ? lazy_state_at(p.room_id, at, p.senders) : store_.state_at(p.room_id, at);
    };
    auto changed_since_base = [&](std::int64_t at) {
        std::vector<store::StoredEvent> out;
        for (auto& s : store_.state_at(p.room_id, at))
            if (s.stream_ordering > c.base) out.push_back(std::move(s));
        return out;
    };
    if (p.full)
        p.state = full_state_at(p.start);
    else if (p.limited)
        p.state = changed_since_base(p.start);
    if (c.req.use_state_after)
        p.state_after = p.full ? full_state_at(p.upper) : changed_since_base(p.upper);
    if (p.shareable)
        timelines_.put(p.slice_key, TimelineSlice{p.timeline, p.limited, p.state, p.state_after});
}

// The state filter, then lazy loading: only the memberships of timeline senders (and the
// caller) that this device has not been sent yet; an incremental sync also adds those missing
// (as of the timeline start, or its end for state_after).
void SyncService::lazy_members_step(Ctx& c, RoomParts& p) {
    const auto& filter = c.req.filter;
    const bool lazy = filter.state.lazy_load_members;
    const bool redundant = filter.state.include_redundant_members;
    if (lazy && p.full) lazy_members_.reset_room(p.device_key, p.room_id);
    auto keep_state = [&](std::vector<store::StoredEvent>& list) {
        std::erase_if(list, [&](const store::StoredEvent& s) {
            auto e = room::parse_event(s);
            if (!filter.state.matches(*e)) return true;
            if (!lazy || s.type != event_type::member) return false;
            const auto& member = s.state_key.value_or("");
            return !p.senders.count(member) ||
                   (!p.full && !redundant &&
                    lazy_members_.has(p.device_key, p.room_id, member, s.event_id, c.since));
        });
    };
    keep_state(p.state);
    keep_state(p.state_after);
    if (!lazy || p.full) return;
    auto& list = c.req.use_state_after ? p.state_after : p.state;
    auto at = c.req.use_state_after ? p.upper : p.start;
    std::set<std::string> present;
    for (const auto& s : list)
        if (s.type == event_type::member) present.insert(s.state_key.value_or(""));
    for (const auto& t : p.timeline)
        if (t.type == event_type::member) present.insert(t.state_key.value_or(""));
    for (const auto& sender : p.timeline_senders) {
        if (present.count(sender)) continue;
        auto m = member_at(p.room_id, sender, at);
        if (!m || (!redundant &&
                   lazy_members_.has(p.device_key, p.room_id, sender, m->event_id, c.since)))
            continue;
        list.push_back(std::move(*m));
    }
}

// Whether an incremental room has anything to say: events, state, its account data or
// ephemeral events.
bool SyncService::has_news(Ctx& c, const RoomParts& p) {
    if (!p.timeline.empty() || !p.state.empty() || !p.state_after.empty()) return true;
    auto ad = c.room_account_data.find(p.room_id);
    if (ad != c.room_account_data.end() && !ad->second.empty()) return true;
    return p.upper == c.pos && (c.room_receipts.count(p.room_id) > 0 ||
                                typing_.changed_since(p.room_id, c.req.since_typing));
}

std::string SyncService::room_json_step(Ctx& c, RoomParts& p) {
    const auto& filter = c.req.filter;
    // The room object up to its state section is the same for every sync of this slice when
    // nothing of the device's went into it: no state (lazy members are per device) and no
    // event of the caller's own (those carry their transaction_id). A fan-out serializes it
    // once; the per-user parts below (account data, summary, unread counts, receipts) are
    // appended per sync.
    const bool own_event = std::any_of(p.timeline.begin(), p.timeline.end(),
                                       [&](const auto& t) { return t.sender == c.req.user_id; });
    const bool share_json = p.shareable && !own_event && p.state.empty() && p.state_after.empty() &&
                            !filter.event_fields && filter.event_format != "federation";
    std::string out;
    bool has_members = false;
    if (const SharedRoomJson* shared = share_json ? room_json_.find(p.slice_key) : nullptr) {
        out = shared->json;
        has_members = shared->has_members;
    } else {
        out = "{\"timeline\":{\"events\":";
        has_members = write_events(c, out, p.timeline, *p.version);
        out += ",\"limited\":";
        out += p.limited ? "true" : "false";
        out += ",\"prev_batch\":\"" + tokens::position_token(p.start) + "\"}";
        if (c.req.use_state_after) {
            out += ",\"state_after\":{\"events\":";
            has_members |= write_events(c, out, p.state_after, *p.version);
        } else {
            out += ",\"state\":{\"events\":";
            has_members |= write_events(c, out, p.state, *p.version);
        }
        out += '}';
        if (share_json) room_json_.put(p.slice_key, SharedRoomJson{out, has_members});
    }
    if (auto ad = c.room_account_data.find(p.room_id);
        ad != c.room_account_data.end() && !ad->second.empty()) {
        json::array events;
        for (const auto& r : ad->second)
            if (type_allowed(filter.room_account_data, r.type))
                events.push_back(json::object{{"type", r.type},
                                              {"content", json_fields::parse_stored(r.content)}});
        out += ",\"account_data\":" + json::serialize(json::object{{"events", events}});
    }
    if (p.full || has_members) write_summary(c, out, p.room_id);
    if (rooms_.joined(p.room_id, c.req.user_id)) write_unread(c, out, p.room_id);
    if (p.upper == c.pos) write_ephemeral(c, out, p.room_id, p.full && p.lower == 0);
    out += '}';
    return out;
}

} // namespace myelin::sync
