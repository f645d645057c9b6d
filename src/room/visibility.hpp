#pragma once
// Who may see which events: the spec's history_visibility rules
// (world_readable, shared, invited, joined), evaluated at each event's position.
#include "room/event.hpp"
#include "store/store.hpp"

namespace myelin::room {

class Visibility {
public:
    Visibility(store::EventStore& store, std::string room_id, std::string user_id);
    bool can_see(const store::StoredEvent& e);
    // May the user read the room's history at all (member now or before, or world_readable)?
    bool may_read_room();

private:
    std::string history_visibility_at(std::int64_t pos);
    std::optional<std::string> membership_at(std::int64_t pos);

    store::EventStore& store_;
    std::string room_id_;
    std::string user_id_;
    std::optional<bool> joined_later_cache_;
};

// Whether another server may be sent the event: it is world_readable, or one of that server's
// users may see it (spec "Server behaviour" of history visibility).
bool server_can_see(store::EventStore& store, const store::StoredEvent& e,
                    std::string_view server_name);

} // namespace myelin::room
