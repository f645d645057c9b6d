#pragma once
// The spec's redaction algorithm, per room version: what survives of an event once redacted.
// Also the basis of reference hashes (event ids), which are computed over the redacted form.
#include "event/room_version.hpp"
#include <boost/json.hpp>

namespace myelin::event {

boost::json::object redact_event(const boost::json::object& event, const RoomVersion& v);

} // namespace myelin::event
