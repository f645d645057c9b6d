#pragma once
// The spec's predefined push rules ("Predefined Rules" in the client-server spec), for a user.
#include <boost/json.hpp>
#include <string>

namespace myelin::push {

// The global ruleset {override, content, room, sender, underride} with defaults only.
boost::json::object default_ruleset(const std::string& user_id);
// The same rules with "USER_ID" and "USER_LOCALPART" left in, parsed once.
const boost::json::object& default_ruleset_template();

} // namespace myelin::push
