#pragma once
// Matrix identifier grammar (spec "Appendices: Identifier Grammar").
#include <optional>
#include <string>
#include <string_view>

namespace myelin::ids {

// Localparts that this server accepts for new accounts: [a-z0-9._=/+-]+.
bool valid_new_localpart(std::string_view localpart);
// Any user id the spec allows to exist (historical grammar, <= 255 bytes).
bool valid_user_id(std::string_view user_id);
// The localpart of `user_id` if it is a user of `server_name`.
std::optional<std::string> local_localpart(std::string_view user_id, std::string_view server_name);
std::string_view server_of(std::string_view id); // part after the first ':' ("" if none)
// A server name: hostname or IP literal with an optional port.
bool valid_server_name(std::string_view name);
// Room ids ("!opaque:server", or v12's "!hash" without a server), aliases, event ids.
bool valid_room_id(std::string_view id);
bool valid_room_alias(std::string_view alias);
bool valid_event_id(std::string_view id);

} // namespace myelin::ids
