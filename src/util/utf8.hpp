#pragma once
// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
// Text from a URL path or query is checked with it before anything stores it: stored, an
// invalid sequence would be written into JSON that no reader can parse back.
#include <string>
#include <string_view>

namespace myelin::util {

bool valid_utf8(std::string_view s);

// Valid UTF-8 without NUL or other C0 control characters: what an identifier taken from a
// URL (a transaction id, a state key, an event type) may hold. PostgreSQL text cannot hold NUL.
bool valid_path_text(std::string_view s);

// Text from elsewhere (a web page) made fit to show and store: invalid sequences become U+FFFD,
// runs of white space and control characters one space, none at either end, and at most
// `max_bytes` bytes, cut between characters.
std::string clean_text(std::string_view s, std::size_t max_bytes);

} // namespace myelin::util
