// The rooms section: the caller's memberships that changed (all of them in an initial or
// full-state sync) and the joined rooms where something happened in the range.
#include "event/event_types.hpp"
#include "sync/sync_context.hpp"

#include "room/event.hpp"

namespace myelin::sync {

namespace {
bool is_join(const store::StoredEvent& member_event) {
    auto e = room::parse_event(member_event);
    const auto* m = e->content().if_contains("membership");
    return m && m->is_string() && m->get_string() == "join";
}
} // namespace

bool SyncService::joined_at(const Ctx& c, const std::string& room_id) {
    const auto* state = rooms_.state(room_id);
    if (!state) return false;
    auto it = state->find({event_type::member, c.req.user_id});
    if (it == state->end()) return false; // never a member (state keys never go away)
    if (it->second->row.stream_ordering <= c.pos) return rooms_.joined(room_id, c.req.user_id);
    // A membership newer than c.pos (rare: it came while this sync read its own rows): what it
    // was at c.pos.
    auto before = member_at(room_id, c.req.user_id, c.pos);
    return before && is_join(*before);
}

RoomsPart SyncService::rooms_section(Ctx& c) {
    const auto& req = c.req;
    const auto& filter = req.filter;
    RoomsPart out;
    std::set<std::string> seen;
    // A room seen for the first time (initial sync, or newly joined) gets recent history too,
    // not only what happened since `since`.
    auto add_join = [&](const std::string& room_id, bool full, bool fresh) {
        if (!seen.insert(room_id).second || !filter.rooms.matches_room(room_id)) return;
        if (auto json = joined_room(c, room_id, full, fresh, fresh ? 0 : c.base, c.pos))
            out.join.push_back(RoomEntry{room_id, std::move(*json)});
    };

    for (const auto& m : c.own.memberships) {
        if (m.stream_ordering > c.pos) continue;
        const auto& room_id = m.room_id;
        if (m.membership == "join") {
            bool newly = false;
            if (!c.initial) {
                auto before =
                    store_.state_event_at(room_id, event_type::member, req.user_id, c.since);
                newly = !before || !is_join(*before);
            }
            add_join(room_id, c.full_all || newly, c.initial || newly);
        } else if (m.membership == "invite" || m.membership == "knock") {
            if (!filter.rooms.matches_room(room_id) || !seen.insert(room_id).second) continue;
            bool invite = m.membership == "invite";
            (invite ? out.invite : out.knock)
                .push_back(RoomEntry{
                    room_id, invite_json(c, room_id, invite ? "invite_state" : "knock_state")});
        } else if (m.membership == "leave" || m.membership == "ban") {
            if (c.initial && !filter.include_leave) continue;
            if (!filter.rooms.matches_room(room_id) || !seen.insert(room_id).second) continue;
            if (store_.is_forgotten(req.user_id, room_id)) continue;
            // Events up to the moment the user left.
            bool was_joined = store_.joined_after(room_id, req.user_id, 0);
            auto json = joined_room(c, room_id, c.full_all, true, c.initial ? 0 : c.since,
                                    m.stream_ordering);
            if (json || !was_joined)
                out.leave.push_back(
                    RoomEntry{room_id, json ? std::move(*json)
                                            : std::string("{\"timeline\":{\"events\":[]}}")});
        }
    }
    if (c.full_all) return out;

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
    const auto* changed = logged ? &*logged : caches_.rooms_changed.find(c.range);
    if (!changed)
        changed = &caches_.rooms_changed.put(c.range, store_.rooms_changed(c.base, c.pos));
    for (const auto& room_id : *changed)
        if (!seen.count(room_id) && joined_at(c, room_id)) add_join(room_id, false, false);
    // Rooms with only ephemeral news (typing, receipts) or room account data.
    std::vector<std::string> ephemeral_rooms = typing_.rooms_changed_since(req.since_typing);
    for (const auto& [room_id, records] : c.room_account_data)
        ephemeral_rooms.push_back(room_id);
    for (const auto& [room_id, records] : c.room_receipts)
        ephemeral_rooms.push_back(room_id);
    for (const auto& room_id : ephemeral_rooms)
        if (!seen.count(room_id) && joined_at(c, room_id)) add_join(room_id, false, false);
    return out;
}

} // namespace myelin::sync
