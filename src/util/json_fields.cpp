#include "util/json_fields.hpp"

#include "util/json_walk.hpp"
#include <cmath>

namespace myelin::json_fields {

namespace {
MatrixError wrong_type(std::string_view key, const char* what) {
    return bad_json("'" + std::string(key) + "' must be " + what);
}

// A number beyond a double's range (1e999) parses as infinity, which serializes as text that
// no JSON parser reads back: stored, it would break every later read of it (a sync, say).
bool all_finite(const json::value& v) {
    return util::every_leaf(v, [](const json::value& leaf) {
        return !leaf.is_double() || std::isfinite(leaf.get_double());
    });
}
} // namespace

std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_string()) throw wrong_type(key, "a string");
    return std::string(it->value().get_string());
}

std::string req_string(const json::object& o, std::string_view key) {
    auto v = opt_string(o, key);
    if (!v) throw missing_param("Missing '" + std::string(key) + "'");
    return *v;
}

std::optional<bool> opt_bool(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    if (!it->value().is_bool()) throw wrong_type(key, "a boolean");
    return it->value().get_bool();
}

std::optional<std::int64_t> opt_int(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::nullopt;
    const auto& v = it->value();
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get_uint64());
    throw wrong_type(key, "an integer");
}

const json::object* opt_object(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return nullptr;
    if (!it->value().is_object()) throw wrong_type(key, "an object");
    return &it->value().get_object();
}

const json::object& req_object(const json::object& o, std::string_view key) {
    const auto* v = opt_object(o, key);
    if (!v) throw missing_param("Missing '" + std::string(key) + "'");
    return *v;
}

const json::array* opt_array(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return nullptr;
    if (!it->value().is_array()) throw wrong_type(key, "an array");
    return &it->value().get_array();
}

json::object parse_object(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = kMaxBodyDepth;
    json::value v = json::parse(body, ec, {}, opts);
    if (ec) throw not_json("Content not JSON: " + ec.message());
    if (!v.is_object()) throw bad_json("Request body must be a JSON object");
    if (!all_finite(v)) throw bad_json("Content holds a number too large for a double");
    return std::move(v.get_object());
}

json::value parse_stored(std::string_view text) {
    json::parse_options opts;
    opts.max_depth = kMaxStoredDepth;
    return json::parse(text, {}, opts);
}

} // namespace myelin::json_fields
