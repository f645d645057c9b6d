#pragma once
// The state an event is checked against: (type, state_key) → event JSON (not owned).
#include <boost/json.hpp>
#include <map>
#include <string>
#include <utility>

namespace myelin::event {

using StateKey = std::pair<std::string, std::string>;
using StateMap = std::map<StateKey, const boost::json::object*>;

} // namespace myelin::event
