// The presence section.
#include "event/event_types.hpp"
#include "room/room_mates.hpp"
#include "sync/sync_context.hpp"

namespace myelin::sync {

bool SyncService::wants_presence(const SyncRequest& req) const {
    return presence_.enabled() && type_allowed(req.filter.presence, "m.presence");
}

std::vector<PresenceEvent> SyncService::presence_section(Ctx& c) {
    std::vector<store::PresenceRecord> out;
    std::vector<PresenceEvent> events;
    const auto& f = c.req.filter.presence;
    if (!wants_presence(c.req)) return events;
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
                    if (k.first == event_type::member)
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
        auto key = range_key(c.since, c.pos); // since, not base: presence is what base skips
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
    for (const auto& r : out)
        events.push_back(PresenceEvent{r.user_id, presence_.content(r)});
    return events;
}

} // namespace myelin::sync
