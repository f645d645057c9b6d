#pragma once
// Canonical JSON (spec "Appendices: Canonical JSON"): the byte-exact form that hashes and
// signatures are computed over. Keys sorted by code point, no insignificant whitespace, only
// the escapes JSON requires, integers only (in the range [-(2^53)+1, 2^53-1]).
#include <boost/json.hpp>
#include <stdexcept>
#include <string>

namespace myelin::event {

struct CanonicalJsonError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws CanonicalJsonError for a number canonical JSON cannot hold.
std::string canonical_json(const boost::json::value& v);
// Whether canonical_json would accept v: its numbers are integers within the range.
bool fits_canonical_json(const boost::json::value& v);
void append_canonical_json(std::string& out, const boost::json::value& v);

} // namespace myelin::event
