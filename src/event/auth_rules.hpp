#pragma once
// The spec's authorization rules for room versions 10, 11 and 12.
#include "event/room_version.hpp"
#include "event/state_map.hpp"
#include <string>
#include <vector>

namespace myelin::event {

struct AuthDecision {
    bool allowed = false;
    std::string reason; // a sentence for 403 M_FORBIDDEN when refused
};

// The state entries an event's auth_events must reference (spec "Auth events selection").
// In v12 the create event is implied by the room id and never listed.
std::vector<StateKey> auth_event_keys(const boost::json::object& event, const RoomVersion& v);

// Checks a PDU against the rules of its room version, given the room state before it (which
// holds the create event whenever the room has one, also in v12). Signatures and hashes are
// checked elsewhere. The "redact" power level is enforced when a redaction is sent or served,
// not here: since room v3 the auth rules leave it to servers.
AuthDecision check_auth(const boost::json::object& event, const StateMap& state,
                        const RoomVersion& v);

// Whether a redaction may take effect on its target (spec "Redactions", room versions 3 and
// later): its sender has the "redact" power level in `state`, or redacts an event of their
// own. Every path that stores or applies a redaction asks this.
bool redaction_allowed(const boost::json::object& redaction, const std::string& target_sender,
                       const StateMap& state, const RoomVersion& v);

} // namespace myelin::event
