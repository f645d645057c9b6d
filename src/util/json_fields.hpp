#pragma once
// Typed access to fields of a client's JSON body, raising the spec's errors:
// a missing required field is M_MISSING_PARAM, a field of the wrong type is M_BAD_JSON.
#include "util/matrix_error.hpp"
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace myelin::json_fields {

namespace json = boost::json;

std::optional<std::string> opt_string(const json::object& o, std::string_view key);
std::string req_string(const json::object& o, std::string_view key);
std::optional<bool> opt_bool(const json::object& o, std::string_view key);
std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key);
const json::object* opt_object(const json::object& o, std::string_view key);
const json::object& req_object(const json::object& o, std::string_view key);
const json::array* opt_array(const json::object& o, std::string_view key);

// Parses a request body that must be a JSON object. An empty body counts as `{}`,
// since many clients send no body on POSTs that take no parameters.
// Deeper than this, a request body is refused (M_BAD_JSON).
constexpr unsigned kMaxBodyDepth = 64;
json::object parse_object(std::string_view body);

// Parses JSON this server stored (an event, account data, a key): what a body of
// kMaxBodyDepth became once wrapped (an event's content, a redaction inside `unsigned`), so
// every read path accepts whatever a write path accepted. Throws std::runtime_error.
constexpr unsigned kMaxStoredDepth = kMaxBodyDepth + 16;
json::value parse_stored(std::string_view text);

} // namespace myelin::json_fields
