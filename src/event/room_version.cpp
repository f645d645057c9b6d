#include "event/room_version.hpp"

namespace myelin::event {

std::optional<RoomVersion> room_version(std::string_view id) {
    RoomVersion v;
    v.id = std::string(id);
    if (id == "10") return v;
    v.redacts_in_content = true;
    v.create_has_creator = false;
    if (id == "11") return v;
    v.room_id_from_create_event = true;
    v.creators_have_infinite_power = true;
    if (id == "12") return v;
    return std::nullopt;
}

} // namespace myelin::event
