#include "sync/sync_service.hpp"

#include "event/redaction.hpp"
#include "room/client_format.hpp"
#include "room/room_mates.hpp"
#include "room/visibility.hpp"
#include "util/json_fields.hpp"
#include "util/json_writer.hpp"
#include "util/matrix_error.hpp"
#include "util/stream_token.hpp"
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <set>

namespace myelin::sync {

namespace json = boost::json;
namespace asio = boost::asio;

// Stripped state that invites and knocks carry (spec: "stripped state" recommendations).
static const char* const kStrippedTypes[] = {
    "m.room.create",          "m.room.join_rules", "m.room.name", "m.room.avatar",
    "m.room.canonical_alias", "m.room.encryption", "m.room.topic"};

namespace {
bool type_allowed(const room::EventFilter& f, const std::string& type) {
    for (const auto& p : f.not_types)
        if (room::type_matches(p, type)) return false;
    return !f.types || std::any_of(f.types->begin(), f.types->end(),
                                   [&](const auto& p) { return room::type_matches(p, type); });
}

bool is_join(const store::StoredEvent& member_event) {
    auto e = room::parse_event(member_event);
    const auto* m = e->content().if_contains("membership");
    return m && m->is_string() && m->get_string() == "join";
}
} // namespace

struct SyncService::Ctx {
    const SyncRequest& req;
    std::int64_t since = 0; // 0 for an initial sync
    // The lower bound of everything shared by range (range caches, timeline slices) but
    // presence: `since` lowered past the positions known to hold only presence changes
    // (PresenceService::presence_only_floor). (base, pos] holds the same rows as (since, pos]
    // except presence, so syncs whose tokens differ only by presence writes share those caches.
    // What is per user or per device (to-device acknowledgement, lazy members, presence) keeps
    // `since`.
    std::int64_t base = 0;
    bool initial = true;
    std::int64_t pos = 0; // the position this response runs up to (next_batch)
    std::map<std::string, std::vector<store::AccountDataRecord>> room_account_data{};
    std::map<std::string, std::vector<store::ReceiptRecord>> room_receipts{}; // (since, pos]
    std::int64_t typing_serial = 0;
    std::string room_json{}; // scratch: the room object being written
    std::set<std::string> senders{};
    bool has_members = false;
};

SyncService::SyncService(room::RoomService& rooms, room::RoomReader& reader, Notifier& notifier,
                         room::TypingService& typing, e2ee::KeyService& keys,
                         push::NotificationCounter& notifications,
                         presence::PresenceService& presence)
    : rooms_(rooms)
    , reader_(reader)
    , store_(rooms.store())
    , notifier_(notifier)
    , typing_(typing)
    , keys_(keys)
    , notifications_(notifications)
    , presence_(presence)
    , cache_(reader)
    , caches_(notifier.caches()) {}

void SyncService::event_redacted(const std::string& event_id) {
    cache_.invalidate(event_id);
    timelines_.clear();
    room_json_.clear();
    members_at_.clear();
}

namespace {
std::string range_key(std::int64_t from, std::int64_t to) {
    return std::to_string(from) + ":" + std::to_string(to);
}
} // namespace

// The usual case (a message's sender joined before it, a room's name was set before the
// position asked for) is answered from memory. Positions up to a sync's are applied to the
// room cache before the sync sees them (current_position).
const store::StoredEvent* SyncService::current_state_at(const std::string& room_id,
                                                        const std::string& type,
                                                        const std::string& key, std::int64_t at) {
    const auto* state = rooms_.state(room_id);
    if (!state) return nullptr;
    auto it = state->find({type, key});
    return it != state->end() && it->second->row.stream_ordering <= at ? &it->second->row : nullptr;
}

std::optional<store::StoredEvent>
SyncService::member_at(const std::string& room_id, const std::string& user_id, std::int64_t at) {
    if (const auto* row = current_state_at(room_id, "m.room.member", user_id, at)) return *row;
    auto key = room_id + "|" + user_id + "|" + std::to_string(at);
    if (const auto* hit = members_at_.find(key)) return *hit;
    return members_at_.put(key, store_.state_event_at(room_id, "m.room.member", user_id, at));
}

SyncToken SyncService::parse_since(const std::string& token) {
    auto t = tokens::parse_sync_token(token);
    if (!t) throw invalid_param("Malformed 'since' token");
    // Positions only grow, so a token at or below one the store has already reported is known;
    // only a newer one asks the store (with several processes, another may have written it).
    if (t->pos > known_max_position_)
        known_max_position_ = std::max(known_max_position_, store_.max_stream_position());
    if (t->pos > known_max_position_)
        throw invalid_param("Unknown 'since' token: it is ahead of this server");
    return *t;
}

// One answer carries 100 to-device messages or 1 MiB of their content at most (one message,
// however large, always fits), oldest first, cut between positions (the messages of one
// position leave together: the cursor cannot point into one). When some are left, `cursor`
// is the position delivered up to, and the token carries it.
std::vector<store::ToDeviceMessage>
SyncService::to_device_batch(const SyncRequest& req, std::int64_t after, std::int64_t upto,
                             std::optional<std::int64_t>& cursor) {
    constexpr std::int64_t kMaxMessages = 100;
    constexpr std::size_t kMaxBytes = 1 << 20;
    auto rows = store_.to_device_for(req.user_id, req.device_id, after, upto, kMaxMessages + 1);
    std::size_t keep = 0, bytes = 0;
    while (keep < rows.size() && keep < static_cast<std::size_t>(kMaxMessages) &&
           (keep == 0 || bytes + rows[keep].content.size() <= kMaxBytes))
        bytes += rows[keep++].content.size();
    if (keep == rows.size()) return rows;
    // Back to the start of the position where the cut fell, unless that leaves nothing.
    auto cut_at = rows[keep].stream_position;
    std::size_t whole = keep;
    while (whole > 0 && rows[whole - 1].stream_position == cut_at)
        --whole;
    if (whole == 0)
        while (keep < rows.size() && rows[keep].stream_position == cut_at)
            ++keep;
    else
        keep = whole;
    rows.resize(keep);
    if (!rows.empty() && rows.back().stream_position < upto) cursor = rows.back().stream_position;
    return rows;
}

void SyncService::write_events(Ctx& c, const std::vector<store::StoredEvent>& rows,
                               const event::RoomVersion& v) {
    const auto& fields = c.req.filter.event_fields;
    c.room_json += '[';
    bool first = true;
    for (const auto& r : rows) {
        if (!first) c.room_json += ',';
        first = false;
        if (r.type == "m.room.member") c.has_members = true;
        if (c.req.filter.event_format == "federation") {
            // The PDU as stored (redacted when a redaction applies), not the client format.
            auto pdu = room::parse_event(r)->pdu;
            if (r.redacted_by) pdu = event::redact_event(pdu, v);
            c.room_json += json::serialize(fields ? apply_event_fields(pdu, *fields) : pdu);
            continue;
        }
        if (fields) {
            auto e = reader_.to_client(r, v);
            e.erase("room_id"); // as in EventCache::get
            c.room_json += json::serialize(apply_event_fields(e, *fields));
            continue;
        }
        auto e = cache_.get(r, v);
        std::optional<std::string> txn;
        if (r.sender == c.req.user_id)
            txn = store_.txn_for_event(r.event_id, c.req.user_id, c.req.device_id);
        EventCache::write(c.room_json, *e, txn);
    }
    c.room_json += ']';
}

void SyncService::write_summary(Ctx& c, const std::string& room_id) {
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
            if (k.first != "m.room.member") continue;
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
        c.room_json += s.json_others;
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
    c.room_json += text;
}

bool SyncService::wants_presence(const SyncRequest& req) const {
    return presence_.enabled() && type_allowed(req.filter.presence, "m.presence");
}

std::vector<store::PresenceRecord> SyncService::presence_for(Ctx& c) {
    std::vector<store::PresenceRecord> out;
    const auto& f = c.req.filter.presence;
    if (!presence_.enabled() || !type_allowed(f, "m.presence")) return out;
    auto wanted = [&](const std::string& user) {
        if (std::find(f.not_senders.begin(), f.not_senders.end(), user) != f.not_senders.end())
            return false;
        return !f.senders ||
               std::find(f.senders->begin(), f.senders->end(), user) != f.senders->end();
    };
    if (c.initial) {
        room::RoomMates mates(rooms_, c.req.user_id);
        std::set<std::string> users{c.req.user_id};
        for (const auto& room_id : mates.rooms())
            if (const auto* state = rooms_.state(room_id))
                for (const auto& [k, e] : *state)
                    if (k.first == "m.room.member")
                        if (const auto* m = e->content().if_contains("membership");
                            m && m->is_string() && m->get_string() == "join")
                            users.insert(k.second);
        // Offline is what clients assume for anyone they hear nothing about, so an initial
        // sync carries only users who are not offline, the most recently active first, and at
        // most kInitialPresence of them (a room of 10,000 online users would otherwise put
        // 10,000 presence events into every member's first sync).
        constexpr std::size_t kInitialPresence = 500;
        for (const auto& u : users)
            if (auto r = presence_.record(u);
                r && r->state != "offline" && r->stream_position <= c.pos && wanted(u))
                out.push_back(std::move(*r));
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return a.last_active_ts > b.last_active_ts; });
        if (out.size() > kInitialPresence) out.resize(kInitialPresence);
    } else {
        auto key = range_key(c.since, c.pos);
        const auto* cached = caches_.presence.find(key);
        if (!cached) cached = &caches_.presence.put(key, store_.presence_changes(c.since, c.pos));
        auto changes = *cached;
        std::optional<room::RoomMates> mates; // only read when something changed
        for (auto& r : changes) {
            if (!wanted(r.user_id)) continue;
            if (!mates) mates.emplace(rooms_, c.req.user_id);
            if (mates->shares(r.user_id)) out.push_back(std::move(r));
        }
    }
    if (f.limit && static_cast<std::int64_t>(out.size()) > *f.limit)
        out.resize(static_cast<std::size_t>(std::max<std::int64_t>(*f.limit, 0)));
    return out;
}

void SyncService::write_unread(Ctx& c, const std::string& room_id) {
    auto counts = caches_.unread(c.req.user_id, room_id, c.pos);
    if (!counts) {
        counts = notifications_.unread(c.req.user_id, room_id);
        caches_.put_unread(c.req.user_id, room_id, c.pos, *counts);
    }
    auto as_json = [](const store::UnreadCount& u) {
        return json::object{{"highlight_count", u.highlights},
                            {"notification_count", u.notifications}};
    };
    store::UnreadCount total;
    json::object threads;
    for (const auto& [thread, u] : *counts) {
        if (c.req.filter.unread_thread_notifications && thread != "main") {
            threads[thread] = as_json(u);
            continue;
        }
        total.notifications += u.notifications;
        total.highlights += u.highlights;
    }
    // Written directly: one per woken stream.
    c.room_json += ",\"unread_notifications\":{\"highlight_count\":";
    c.room_json += std::to_string(total.highlights);
    c.room_json += ",\"notification_count\":";
    c.room_json += std::to_string(total.notifications);
    c.room_json += '}';
    if (!threads.empty())
        c.room_json += ",\"unread_thread_notifications\":" + json::serialize(threads);
}

void SyncService::write_ephemeral(Ctx& c, const std::string& room_id, bool full) {
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
    c.room_json += ",\"ephemeral\":" + json::serialize(json::object{{"events", std::move(events)}});
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
    const std::string member_type = "m.room.member";
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

bool SyncService::write_joined_room(Ctx& c, const std::string& room_id, bool full,
                                    bool check_visibility, std::int64_t lower, std::int64_t upper) {
    const auto& filter = c.req.filter;
    const auto& v = rooms_.version_of(room_id);
    auto limit = std::max<std::int64_t>(filter.timeline_limit(), 0);
    std::optional<room::Visibility> vis;
    if (check_visibility) vis.emplace(store_, room_id, c.req.user_id);

    // Timeline: the newest `limit` matching events in (lower, upper]. For an incremental room
    // (no visibility check, not full) it is the same for every sync with this range and
    // filter: computed once and shared (a fan-out wakes thousands of syncs with the same range).
    std::vector<store::StoredEvent> timeline;
    bool limited = false;
    std::vector<store::StoredEvent> state;
    std::vector<store::StoredEvent> state_after;
    const bool shareable = !check_visibility && !full;
    std::string slice_key;
    const TimelineSlice* slice = nullptr;
    if (shareable) {
        slice_key = room_id + "|" + std::to_string(lower) + "|" + std::to_string(upper) + "|" +
                    std::to_string(c.base) + (c.req.use_state_after ? "|a|" : "|s|") +
                    filter.cache_key;
        slice = timelines_.find(slice_key);
    }
    if (slice) {
        timeline = slice->timeline;
        limited = slice->limited;
        state = slice->gap_state;
        state_after = slice->state_after;
    } else {
        std::int64_t cursor = upper;
        bool exhausted = limit == 0;
        while (!exhausted && static_cast<std::int64_t>(timeline.size()) < limit) {
            auto want = static_cast<std::size_t>(std::max<std::int64_t>(limit, 10) + 1);
            // Only the range: a sync woken by one message reads that message, not a page.
            auto batch = store_.room_events_between(room_id, lower, cursor, want);
            if (batch.size() < want) exhausted = true;
            for (auto& r : batch) {
                if (r.stream_ordering <= lower) {
                    exhausted = true;
                    break;
                }
                cursor = r.stream_ordering - 1;
                if (vis && !vis->can_see(r)) continue;
                auto e = room::parse_event(r);
                if (!filter.timeline.matches(*e)) continue;
                timeline.push_back(std::move(r));
                if (static_cast<std::int64_t>(timeline.size()) >= limit) {
                    // Full: whether anything older is left in the range decides `limited`.
                    exhausted = false;
                    break;
                }
            }
        }
        if (!exhausted) {
            auto older = store_.room_events(room_id, cursor, 'b', 1);
            limited = !older.empty() && older.front().stream_ordering > lower;
        } else if (limit == 0) {
            auto older = store_.room_events(room_id, upper, 'b', 1);
            limited = !older.empty() && older.front().stream_ordering > lower;
        }
        std::reverse(timeline.begin(), timeline.end());
    }
    std::int64_t start = timeline.empty() ? upper : timeline.front().stream_ordering - 1;

    std::set<std::string> timeline_senders{};
    for (const auto& t : timeline)
        timeline_senders.insert(t.sender);
    auto senders = timeline_senders; // whose membership lazy loading keeps: these and the caller
    senders.insert(c.req.user_id);
    const bool lazy = filter.state.lazy_load_members;
    const bool redundant = filter.state.include_redundant_members;
    auto full_state_at = [&](std::int64_t at) {
        return lazy ? lazy_state_at(room_id, at, senders) : store_.state_at(room_id, at);
    };

    // State at the start of the timeline: all of it for a full room, the part that changed in
    // the gap for a limited incremental one.
    if (!slice) {
        if (full) {
            state = full_state_at(start);
        } else if (limited) {
            for (auto& s : store_.state_at(room_id, start))
                if (s.stream_ordering > c.base) state.push_back(std::move(s));
        }
        if (c.req.use_state_after) {
            if (full) {
                state_after = full_state_at(upper);
            } else {
                for (auto& s : store_.state_at(room_id, upper))
                    if (s.stream_ordering > c.base) state_after.push_back(std::move(s));
            }
        }
        if (shareable)
            timelines_.put(slice_key, TimelineSlice{timeline, limited, state, state_after});
    }
    const auto device_key = c.req.user_id + "|" + c.req.device_id;
    if (lazy && full) lazy_members_.reset_room(device_key, room_id);
    auto keep_state = [&](std::vector<store::StoredEvent>& list) {
        std::erase_if(list, [&](const store::StoredEvent& s) {
            auto e = room::parse_event(s);
            if (!filter.state.matches(*e)) return true;
            if (!lazy || s.type != "m.room.member") return false;
            const auto& member = s.state_key.value_or("");
            return !senders.count(member) ||
                   (!full && !redundant &&
                    lazy_members_.has(device_key, room_id, member, s.event_id, c.since));
        });
    };
    keep_state(state);
    keep_state(state_after);
    // Lazy loading: an incremental sync also carries the membership of each timeline sender the
    // device has not been sent yet (as of the timeline start, or its end for state_after).
    if (lazy && !full) {
        auto& list = c.req.use_state_after ? state_after : state;
        auto at = c.req.use_state_after ? upper : start;
        std::set<std::string> present;
        for (const auto& s : list)
            if (s.type == "m.room.member") present.insert(s.state_key.value_or(""));
        for (const auto& t : timeline)
            if (t.type == "m.room.member") present.insert(t.state_key.value_or(""));
        for (const auto& sender : timeline_senders) {
            if (present.count(sender)) continue;
            auto m = member_at(room_id, sender, at);
            if (!m || (!redundant &&
                       lazy_members_.has(device_key, room_id, sender, m->event_id, c.since)))
                continue;
            list.push_back(std::move(*m));
        }
    }

    auto ad = c.room_account_data.find(room_id);
    bool has_ad = ad != c.room_account_data.end() && !ad->second.empty();
    bool has_ephemeral = upper == c.pos && (c.room_receipts.count(room_id) > 0 ||
                                            typing_.changed_since(room_id, c.req.since_typing));
    if (!full && timeline.empty() && state.empty() && state_after.empty() && !has_ad &&
        !has_ephemeral)
        return false;

    if (lazy) {
        for (const auto* list : {&timeline, &state, &state_after})
            for (const auto& s : *list)
                if (s.type == "m.room.member" && s.state_key)
                    lazy_members_.record(device_key, room_id, *s.state_key, s.event_id, c.pos);
    }
    c.has_members = false;
    // The room object up to its state section is the same for every sync of this slice when
    // nothing of the device's went into it: no state (lazy members are per device) and no
    // event of the caller's own (those carry their transaction_id). A fan-out serializes it
    // once; the per-user parts below (account data, summary, unread counts, receipts) are
    // appended per sync.
    const bool own_event = std::any_of(timeline.begin(), timeline.end(),
                                       [&](const auto& t) { return t.sender == c.req.user_id; });
    const bool share_json = shareable && !own_event && state.empty() && state_after.empty() &&
                            !filter.event_fields && filter.event_format != "federation";
    const SharedRoomJson* shared = share_json ? room_json_.find(slice_key) : nullptr;
    if (shared) {
        c.room_json = shared->json;
        c.has_members = shared->has_members;
    } else {
        c.room_json = "{\"timeline\":{\"events\":";
        write_events(c, timeline, v);
        c.room_json += ",\"limited\":";
        c.room_json += limited ? "true" : "false";
        c.room_json += ",\"prev_batch\":\"" + tokens::position_token(start) + "\"}";
        if (c.req.use_state_after) {
            c.room_json += ",\"state_after\":{\"events\":";
            write_events(c, state_after, v);
        } else {
            c.room_json += ",\"state\":{\"events\":";
            write_events(c, state, v);
        }
        c.room_json += '}';
        if (share_json) room_json_.put(slice_key, SharedRoomJson{c.room_json, c.has_members});
    }
    if (has_ad) {
        json::array events;
        for (const auto& r : ad->second)
            if (type_allowed(filter.room_account_data, r.type))
                events.push_back(json::object{{"type", r.type},
                                              {"content", json_fields::parse_stored(r.content)}});
        c.room_json += ",\"account_data\":" + json::serialize(json::object{{"events", events}});
    }
    if (full || c.has_members) write_summary(c, room_id);
    if (rooms_.joined(room_id, c.req.user_id)) write_unread(c, room_id);
    if (upper == c.pos) write_ephemeral(c, room_id, full && lower == 0);
    c.room_json += '}';
    return true;
}

void SyncService::write_invite(Ctx& c, const std::string& room_id, const std::string& key) {
    json::array events;
    for (const char* type : kStrippedTypes)
        if (auto e = rooms_.state_event(room_id, type)) events.push_back(room::stripped_state(*e));
    // The membership event itself in full: clients show who invited them and when.
    if (auto me = rooms_.state_event(room_id, "m.room.member", c.req.user_id))
        events.push_back(reader_.to_client(me->row, rooms_.version_of(room_id)));
    c.room_json = json::serialize(json::object{{key, json::object{{"events", std::move(events)}}}});
}

std::int64_t SyncService::current_position(std::int64_t since) {
    // Several processes: up to what this one has applied (cluster::Replicator), and never
    // below `since` (if catching up failed), so that a token never goes backwards.
    if (position) return std::max(position(since), since);
    // Incremental syncs (the ones a wake-up runs by the thousand) share the position read
    // after the last notifier call. Never below `since`: a token must not go backwards (that
    // would deliver the range again).
    return caches_.max_position([this] { return store_.max_stream_position(); }, since);
}

SyncResult SyncService::compute(const SyncRequest& req) {
    Ctx c{req};
    c.initial = !req.since.has_value();
    c.since = req.since.value_or(0);
    // A first sync reads the store, so it also covers writes whose wake-up is still to come
    // (presence is announced in batches).
    if (!position && !req.since) caches_.changed();
    c.pos = current_position(c.since);
    c.base = c.initial ? 0 : presence_.presence_only_floor(c.since);
    c.typing_serial = typing_.serial();
    bool full_all = c.initial || req.full_state;
    const auto& filter = req.filter;
    if (c.initial && req.filter.state.lazy_load_members)
        lazy_members_.reset_device(req.user_id + "|" + req.device_id);
    // What is the same for every sync over (since, pos] is read once per range (sync_caches.hpp).
    const auto range = range_key(c.base, c.pos);
    if (!c.initial) {
        const auto* receipts = caches_.receipts.find(range);
        if (!receipts)
            receipts = &caches_.receipts.put(range, store_.receipts_between(c.base, c.pos));
        for (const auto& r : *receipts)
            c.room_receipts[r.room_id].push_back(r);
    }
    // Nothing of the caller's own (account data, memberships, to-device) changed in the range:
    // those queries are skipped. The notifier records every such change (its wake_user and
    // membership paths); see SyncCaches::user_quiet for when this is trusted.
    const bool quiet =
        !c.initial && !req.full_state && caches_.user_quiet(req.user_id, c.since, c.pos);
    if (!c.initial && !req.full_state)
        ++(quiet ? caches_.stats.user_quiet : caches_.stats.user_asked);

    std::vector<store::AccountDataRecord> global_ad;
    for (auto& r : quiet ? std::vector<store::AccountDataRecord>{}
                         : store_.account_data_since(req.user_id, c.initial ? 0 : c.since)) {
        if (r.stream_position > c.pos) continue;
        if (r.room_id.empty()) {
            if (!type_allowed(filter.account_data, r.type)) continue;
            global_ad.push_back(std::move(r));
        } else {
            c.room_account_data[r.room_id].push_back(std::move(r));
        }
    }

    std::vector<std::pair<std::string, std::string>> join, invite, knock, leave;
    std::set<std::string> seen;
    // A room seen for the first time (initial sync, or newly joined) gets recent history too,
    // not only what happened since `since`.
    auto add_join = [&](const std::string& room_id, bool full, bool fresh) {
        if (!seen.insert(room_id).second || !filter.rooms.matches_room(room_id)) return;
        if (write_joined_room(c, room_id, full, fresh, fresh ? 0 : c.base, c.pos))
            join.emplace_back(room_id, std::move(c.room_json));
    };

    auto memberships = c.initial || req.full_state ? store_.memberships_of(req.user_id)
                       : quiet                     ? std::vector<store::MembershipRecord>{}
                               : store_.membership_changes(req.user_id, c.since, c.pos);
    for (const auto& m : memberships) {
        if (m.stream_ordering > c.pos) continue;
        const auto& room_id = m.room_id;
        if (m.membership == "join") {
            bool newly = false;
            if (!c.initial) {
                auto before = store_.state_event_at(room_id, "m.room.member", req.user_id, c.since);
                newly = !before || !is_join(*before);
            }
            add_join(room_id, full_all || newly, c.initial || newly);
        } else if (m.membership == "invite" || m.membership == "knock") {
            if (!filter.rooms.matches_room(room_id) || !seen.insert(room_id).second) continue;
            write_invite(c, room_id, m.membership == "invite" ? "invite_state" : "knock_state");
            (m.membership == "invite" ? invite : knock)
                .emplace_back(room_id, std::move(c.room_json));
        } else if (m.membership == "leave" || m.membership == "ban") {
            if (c.initial && !filter.include_leave) continue;
            if (!filter.rooms.matches_room(room_id) || !seen.insert(room_id).second) continue;
            if (store_.is_forgotten(req.user_id, room_id)) continue;
            // Events up to the moment the user left.
            bool was_joined = store_.joined_after(room_id, req.user_id, 0);
            c.room_json.clear();
            if (write_joined_room(c, room_id, c.initial || req.full_state, true,
                                  c.initial ? 0 : c.since, m.stream_ordering) ||
                !was_joined)
                leave.emplace_back(room_id, c.room_json.empty()
                                                ? std::string("{\"timeline\":{\"events\":[]}}")
                                                : std::move(c.room_json));
            c.room_json.clear();
        }
    }
    if (!c.initial && !req.full_state) {
        // Many events in the range (a stream that last woke a while ago, chat): the caller's
        // rooms are walked instead of the range's. A few (a fan-out wakes 10,000 streams for
        // one event): the range is, and no one's rooms need reading.
        constexpr std::size_t kWalkJoinedAbove = 16;
        const std::vector<std::string>* joined = nullptr;
        std::vector<std::string> loaded;
        if (auto n = caches_.room_log_entries(c.base, c.pos); n && *n > kWalkJoinedAbove) {
            joined = caches_.joined_rooms(req.user_id, c.pos);
            if (!joined) {
                loaded = store_.rooms_for_user(req.user_id, "join");
                caches_.put_joined_rooms(req.user_id, c.pos, loaded);
                joined = &loaded;
            }
        }
        auto logged = caches_.rooms_changed_between(c.base, c.pos, joined);
        const auto* changed = logged ? &*logged : caches_.rooms_changed.find(range);
        if (!changed)
            changed = &caches_.rooms_changed.put(range, store_.rooms_changed(c.base, c.pos));
        for (const auto& room_id : *changed)
            if (!seen.count(room_id) && rooms_.joined(room_id, req.user_id))
                add_join(room_id, false, false);
        std::vector<std::string> ephemeral_rooms = typing_.rooms_changed_since(req.since_typing);
        for (const auto& [room_id, records] : c.room_account_data)
            ephemeral_rooms.push_back(room_id);
        for (const auto& [room_id, records] : c.room_receipts)
            ephemeral_rooms.push_back(room_id);
        for (const auto& room_id : ephemeral_rooms)
            if (!seen.count(room_id) && rooms_.joined(room_id, req.user_id))
                add_join(room_id, false, false);
    }

    // To-device: delete what the device acknowledged, then deliver what is pending up to P.
    auto to_device_from = c.initial ? 0 : req.since_to_device.value_or(c.since);
    if (req.since && req.acknowledges)
        store_.ack_to_device(req.user_id, req.device_id, to_device_from);
    std::optional<std::int64_t> to_device_cursor;
    auto to_device = quiet && !req.since_to_device
                         ? std::vector<store::ToDeviceMessage>{}
                         : to_device_batch(req, to_device_from, c.pos, to_device_cursor);

    // Device lists are incremental only: an initial sync tells the client nothing changed.
    e2ee::DeviceListDelta devices;
    if (!c.initial && c.since < c.pos) {
        const auto* changes = caches_.device_changes.find(range);
        if (!changes)
            changes = &caches_.device_changes.put(
                range, SyncCaches::DeviceChanges{store_.device_list_changes(c.base, c.pos),
                                                 store_.member_changes(c.base, c.pos)});
        devices =
            keys_.device_list_delta(req.user_id, changes->key_changes, changes->member_changes);
    }
    auto presence = presence_for(c);

    util::JsonWriter w;
    w.begin_object();
    auto next_batch =
        tokens::format_sync_token(SyncToken{c.pos, c.typing_serial, to_device_cursor});
    w.key("next_batch").string(next_batch);
    bool empty = join.empty() && invite.empty() && knock.empty() && leave.empty() &&
                 global_ad.empty() && to_device.empty() && devices.empty() && presence.empty();
    if (!join.empty() || !invite.empty() || !knock.empty() || !leave.empty()) {
        w.key("rooms").begin_object();
        auto section = [&](const char* name, const auto& list) {
            if (list.empty()) return;
            w.key(name).begin_object();
            for (const auto& [id, text] : list)
                w.key(id).raw(text);
            w.end_object();
        };
        section("join", join);
        section("invite", invite);
        section("knock", knock);
        section("leave", leave);
        w.end_object();
    }
    if (!presence.empty()) {
        json::array events;
        for (const auto& r : presence)
            events.push_back(json::object{
                {"type", "m.presence"}, {"sender", r.user_id}, {"content", presence_.content(r)}});
        w.key("presence").value(json::object{{"events", std::move(events)}});
    }
    if (!global_ad.empty()) {
        json::array events;
        for (const auto& r : global_ad)
            events.push_back(
                json::object{{"type", r.type}, {"content", json_fields::parse_stored(r.content)}});
        w.key("account_data").value(json::object{{"events", std::move(events)}});
    }
    if (!to_device.empty()) {
        json::array events;
        for (const auto& m : to_device)
            events.push_back(json::object{{"sender", m.sender},
                                          {"type", m.type},
                                          {"content", json_fields::parse_stored(m.content)}});
        w.key("to_device").value(json::object{{"events", std::move(events)}});
    }
    if (!devices.empty())
        w.key("device_lists")
            .value(json::object{
                {"changed", json::array(devices.changed.begin(), devices.changed.end())},
                {"left", json::array(devices.left.begin(), devices.left.end())}});
    // Key counts go into every response (they never make one non-empty by themselves): clients
    // top up their one-time keys from them.
    // Cached per device until the notifier hears of an upload, claim or deleted device.
    const KeyCounts* key_counts = caches_.key_counts(req.user_id, req.device_id, c.pos);
    KeyCounts loaded;
    if (!key_counts) {
        loaded.one_time = keys_.one_time_key_counts(req.user_id, req.device_id);
        loaded.fallback_types = keys_.unused_fallback_key_types(req.user_id, req.device_id);
        caches_.put_key_counts(req.user_id, req.device_id, loaded);
        key_counts = &loaded;
    }
    json::object counts;
    for (const auto& [alg, n] : key_counts->one_time)
        counts[alg] = n;
    w.key("device_one_time_keys_count").value(counts);
    const auto& fallback = key_counts->fallback_types;
    w.key("device_unused_fallback_key_types").value(json::array(fallback.begin(), fallback.end()));
    w.end_object();
    return SyncResult{w.take(), empty, c.pos, c.typing_serial, to_device_cursor, next_batch};
}

asio::awaitable<SyncResult>
SyncService::wait_for(SyncRequest req, std::chrono::milliseconds timeout,
                      std::function<bool()> gone,
                      std::function<void(std::function<void()>)> on_gone) {
    // A long-poll usually comes right after its previous answer, with nothing new yet. Every
    // change a sync reports has a stream position, except typing, which has its serial: when
    // neither moved past the token there is nothing to compute before waiting. (Acknowledging
    // to-device messages then waits for the answer's compute; it only deletes what the token
    // already covers, so doing it later loses nothing.)
    const bool nothing_new = req.since && !req.since_to_device && !req.full_state &&
                             timeout.count() > 0 && current_position(*req.since) == *req.since &&
                             !typing_.any_changed_since(req.since_typing);
    SyncResult result;
    if (!nothing_new) {
        result = compute(req);
        if (!result.empty || !req.since || req.full_state || timeout.count() == 0) co_return result;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto w = notifier_.subscribe(req.user_id);
    w->wants_presence = wants_presence(req);
    if (on_gone) on_gone([w] { Notifier::wake(*w); });
    notifier_.set_deadline(*w, deadline);
    while (!stopping && !(gone && gone())) {
        w->woken = false;
        co_await w->signal.async_wait(asio::use_awaitable);
        if (gone && gone()) break;
        if (w->woken && !stopping) {
            result = compute(req);
            if (!result.empty) {
                notifier_.unsubscribe(req.user_id, w);
                co_return result;
            }
        }
        if (w->expired || std::chrono::steady_clock::now() >= deadline) break;
    }
    notifier_.unsubscribe(req.user_id, w);
    // Nothing for this caller: an empty response that leaves the position where it was.
    auto token = tokens::format_sync_token(SyncToken{*req.since, req.since_typing});
    util::JsonWriter out;
    out.begin_object().key("next_batch").string(token).end_object();
    co_return SyncResult{out.take(), true, *req.since, req.since_typing, std::nullopt, token};
}

} // namespace myelin::sync
