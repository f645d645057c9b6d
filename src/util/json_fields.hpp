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
json::object parse_object(std::string_view body);

} // namespace myelin::json_fields
