#pragma once
// The spec's redaction algorithm, per room version: what survives of an event once redacted.
// Also the basis of reference hashes (event ids), which are computed over the redacted form.
#include "event/room_version.hpp"
#include <boost/json.hpp>
#include <optional>
#include <string>

namespace myelin::event {

boost::json::object redact_event(const boost::json::object& event, const RoomVersion& v);

// The event a redaction event redacts: its top-level `redacts`, or since v11 its content's.
std::optional<std::string> redaction_target(const boost::json::object& pdu, const RoomVersion& v);

} // namespace myelin::event
