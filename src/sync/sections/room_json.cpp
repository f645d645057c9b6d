// The pieces of a room object in a sync answer: events (spliced from the event cache), the
// summary, unread counts, ephemeral events, invite state; and lazy-loaded state.
#include "event/event_types.hpp"
#include "event/redaction.hpp"
#include "room/client_format.hpp"
#include "sync/sync_context.hpp"
#include "util/json_fields.hpp"

#include <boost/json.hpp>

namespace myelin::sync {

namespace json = boost::json;

namespace {
// Stripped state that invites and knocks carry (spec: "stripped state" recommendations).
const char* const kStrippedTypes[] = {
    event_type::create,          event_type::join_rules, event_type::name, event_type::avatar,
    event_type::canonical_alias, event_type::encryption, event_type::topic};
} // namespace

bool SyncService::write_events(const Ctx& c, std::string& out,
                               const std::vector<store::StoredEvent>& rows,
                               const event::RoomVersion& v) {
    bool members = false;
    const auto& fields = c.req.filter.event_fields;
    out += '[';
    bool first = true;
    for (const auto& r : rows) {
        if (!first) out += ',';
        first = false;
        if (r.type == event_type::member) members = true;
        if (c.req.filter.event_format == "federation") {
            // The PDU as stored (redacted when a redaction applies), not the client format.
            auto pdu = room::parse_event(r)->pdu;
            if (r.redacted_by) pdu = event::redact_event(pdu, v);
            out += json::serialize(fields ? apply_event_fields(pdu, *fields) : pdu);
            continue;
        }
        if (fields) {
            auto e = reader_.to_client(r, v);
            e.erase("room_id"); // as in EventCache::get
            out += json::serialize(apply_event_fields(e, *fields));
            continue;
        }
        auto e = cache_.get(r, v);
        std::optional<std::string> txn;
        if (r.sender == c.req.user_id)
            txn = store_.txn_for_event(r.event_id, c.req.user_id, c.req.device_id);
        EventCache::write(out, *e, txn);
    }
    out += ']';
    return members;
}

void SyncService::write_summary(const Ctx& c, std::string& out, const std::string& room_id) {
    // Counting a room of 10,000 members costs a walk over its state: done once per state
    // version, not once per member's sync.
    auto version = rooms_.state_version(room_id);
    auto it = summaries_.find(room_id);
    if (it == summaries_.end() || it->second.state_version != version) {
        if (summaries_.size() > 10000) summaries_.clear();
        RoomSummary s;
        s.state_version = version;
        std::vector<std::pair<std::int64_t, std::string>> members;
        for (const auto& [k, e] : *rooms_.state(room_id)) {
            if (k.first != event_type::member) continue;
            const auto* m = e->content().if_contains("membership");
            if (!m || !m->is_string()) continue;
            if (m->get_string() == "join")
                ++s.joined;
            else if (m->get_string() == "invite")
                ++s.invited;
            else
                continue;
            members.emplace_back(e->row.stream_ordering, k.second);
        }
        // The caller is left out of their own heroes: six oldest are enough for five others.
        auto n = std::min<std::size_t>(members.size(), 6);
        std::partial_sort(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(n),
                          members.end());
        for (std::size_t i = 0; i < n; ++i)
            s.heroes.push_back(std::move(members[i].second));
        it = summaries_.insert_or_assign(room_id, std::move(s)).first;
    }
    auto& s = it->second;
    // The same text for everyone but the heroes themselves (who are left out of their own).
    const bool among = std::find(s.heroes.begin(), s.heroes.end(), c.req.user_id) != s.heroes.end();
    if (!among && !s.json_others.empty()) {
        out += s.json_others;
        return;
    }
    json::array heroes;
    for (const auto& h : s.heroes)
        if (h != c.req.user_id && heroes.size() < 5) heroes.emplace_back(h);
    json::object summary{{"m.heroes", std::move(heroes)},
                         {"m.joined_member_count", s.joined},
                         {"m.invited_member_count", s.invited}};
    auto text = ",\"summary\":" + json::serialize(summary);
    if (!among) s.json_others = text;
    out += text;
}

void SyncService::write_unread(Ctx& c, std::string& out, const std::string& room_id) {
    auto counts = caches_.unread(c.req.user_id, room_id, c.pos);
    if (!counts && db_.threads() > 0) {
        c.unread_later.push_back(room_id);
        out += kUnreadMarker;
        return;
    }
    if (!counts) {
        counts = notifications_.unread(c.req.user_id, room_id);
        caches_.put_unread(c.req.user_id, room_id, c.pos, *counts);
    }
    write_unread_counts(c, out, *counts);
}

void SyncService::write_unread_counts(const Ctx& c, std::string& out, const UnreadCounts& counts) {
    auto as_json = [](const store::UnreadCount& u) {
        return json::object{{"highlight_count", u.highlights},
                            {"notification_count", u.notifications}};
    };
    store::UnreadCount total;
    json::object threads;
    for (const auto& [thread, u] : counts) {
        if (c.req.filter.unread_thread_notifications && thread != "main") {
            threads[thread] = as_json(u);
            continue;
        }
        total.notifications += u.notifications;
        total.highlights += u.highlights;
    }
    // Written directly: one per woken stream.
    out += ",\"unread_notifications\":{\"highlight_count\":";
    out += std::to_string(total.highlights);
    out += ",\"notification_count\":";
    out += std::to_string(total.notifications);
    out += '}';
    if (!threads.empty()) out += ",\"unread_thread_notifications\":" + json::serialize(threads);
}

void SyncService::write_ephemeral(const Ctx& c, std::string& out, const std::string& room_id,
                                  bool full) {
    json::array events;
    std::optional<std::vector<std::string>> typers =
        full ? std::optional(typing_.typers(room_id))
             : typing_.changed_since(room_id, c.req.since_typing);
    if (typers && (!full || !typers->empty())) {
        json::array ids;
        for (auto& u : *typers)
            ids.emplace_back(u);
        events.push_back(json::object{{"type", "m.typing"},
                                      {"content", json::object{{"user_ids", std::move(ids)}}}});
    }
    std::vector<store::ReceiptRecord> receipts;
    if (full)
        receipts = store_.receipts_in_room(room_id);
    else if (auto it = c.room_receipts.find(room_id); it != c.room_receipts.end())
        receipts = it->second;
    json::object content;
    for (const auto& r : receipts) {
        if (r.stream_position > c.pos) continue;
        if (r.receipt_type == "m.read.private" && r.user_id != c.req.user_id) continue;
        json::object info{{"ts", r.ts}};
        if (!r.thread_id.empty()) info["thread_id"] = r.thread_id;
        auto& by_event = content[r.event_id];
        if (!by_event.is_object()) by_event = json::object{};
        auto& by_type = by_event.as_object()[r.receipt_type];
        if (!by_type.is_object()) by_type = json::object{};
        by_type.as_object()[r.user_id] = std::move(info);
    }
    if (!content.empty())
        events.push_back(json::object{{"type", "m.receipt"}, {"content", std::move(content)}});
    if (events.empty()) return;
    out += ",\"ephemeral\":" + json::serialize(json::object{{"events", std::move(events)}});
}

std::string SyncService::invite_json(const Ctx& c, const std::string& room_id,
                                     const std::string& key) {
    json::array events;
    for (const char* type : kStrippedTypes)
        if (auto e = rooms_.state_event(room_id, type)) events.push_back(room::stripped_state(*e));
    // The membership event itself in full: clients show who invited them and when.
    if (auto me = rooms_.state_event(room_id, event_type::member, c.req.user_id))
        events.push_back(reader_.to_client(me->row, rooms_.version_of(room_id)));
    return json::serialize(json::object{{key, json::object{{"events", std::move(events)}}}});
}

// A room's full state at `at` with only the given users' memberships, read one state key at a
// time. For a lazy-loading client this replaces reading (and parsing) every member event of the
// room: in a room of 10,000 members an initial sync would otherwise read 10,000 rows to keep a
// hundred. State keys never disappear, so the keys of the current state (in memory) are all the
// keys there can be at any earlier position.
std::vector<store::StoredEvent> SyncService::lazy_state_at(const std::string& room_id,
                                                           std::int64_t at,
                                                           const std::set<std::string>& members) {
    std::vector<store::StoredEvent> out;
    const auto* current = rooms_.state(room_id);
    if (!current) return out;
    auto add = [&](const std::string& type, const std::string& key) {
        if (const auto* row = current_state_at(room_id, type, key, at))
            out.push_back(*row);
        else if (auto e = store_.state_event_at(room_id, type, key, at))
            out.push_back(std::move(*e));
    };
    const std::string member_type = event_type::member;
    auto members_begin = current->lower_bound({member_type, ""});
    auto members_end = current->lower_bound({member_type + '\0', ""});
    for (auto it = current->begin(); it != members_begin; ++it)
        add(it->first.first, it->first.second);
    for (auto it = members_end; it != current->end(); ++it)
        add(it->first.first, it->first.second);
    for (const auto& user : members)
        if (current->count({member_type, user})) add(member_type, user);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.stream_ordering < b.stream_ordering; });
    return out;
}

} // namespace myelin::sync
