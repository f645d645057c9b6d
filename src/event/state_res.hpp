#pragma once
// State resolution, version 2 (room versions 2 to 11) and 2.1 (room version 12, MSC4297): the
// state of a room where several forks of its history meet. Pure: events come from `lookup`,
// which returns null for an event that is unknown or was rejected (it then takes no part).
#include "event/room_version.hpp"
#include "event/state_map.hpp"

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace myelin::event {

// A state set as the forks hold it: (type, state_key) → event id.
using StateIds = std::map<StateKey, std::string>;

// The event of that id (its JSON, including `event_id` or not), or null.
using EventLookup = std::function<const boost::json::object*(const std::string& event_id)>;

// The ids an event's auth_events (or prev_events) name: strings (room v3+) or [id, hashes]
// pairs (v1, v2).
std::vector<std::string> referenced_ids(const boost::json::object& event, const char* field);

struct StateResInput {
    std::vector<StateIds> sets;
    EventLookup lookup;
    RoomVersion version;
    // Room v12: the create event, which no event lists in its auth_events (the room id names
    // it). Ignored by other versions.
    const boost::json::object* create = nullptr;
    std::string create_id;
};

// The resolved state.
StateIds resolve_state(const StateResInput& in);

// The full conflicted set the resolution works through: the conflicted events, the auth
// difference and (room v12) the conflicted state subgraph, known events only. For logs and
// tests.
std::set<std::string> full_conflicted_set(const StateResInput& in);

} // namespace myelin::event
