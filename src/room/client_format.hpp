#pragma once
// The client-server event format: what /messages, /event, /state and /sync return.
#include "event/room_version.hpp"
#include "room/event.hpp"

namespace myelin::room {

// `redaction` is the event that redacted `e`, when there is one; the content is then
// stripped with the room version's redaction algorithm and the redaction goes into
// unsigned.redacted_because.
boost::json::object client_event(const Event& e, const event::RoomVersion& v,
                                 const Event* redaction = nullptr);

// Stripped state (type, state_key, sender, content) as used in invite_state and knock_state.
boost::json::object stripped_state(const Event& e);

} // namespace myelin::room
