#include "room/event_filter.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include <algorithm>

namespace myelin::room {

namespace json = boost::json;

namespace {
std::vector<std::string> string_list(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v) return out;
    if (!v->is_array()) throw bad_json(std::string(key) + " must be a list of strings");
    for (const auto& x : v->get_array()) {
        if (!x.is_string()) throw bad_json(std::string(key) + " must be a list of strings");
        out.emplace_back(x.get_string());
    }
    return out;
}

std::optional<std::vector<std::string>> opt_list(const json::object& o, std::string_view key) {
    if (!o.contains(key)) return std::nullopt;
    return string_list(o, key);
}

bool listed(const std::vector<std::string>& l, const std::string& x) {
    return std::find(l.begin(), l.end(), x) != l.end();
}
} // namespace

bool type_matches(std::string_view p, std::string_view t) {
    auto star = p.find('*');
    if (star == std::string_view::npos) return p == t;
    auto head = p.substr(0, star);
    if (t.substr(0, head.size()) != head) return false;
    auto rest = p.substr(star + 1);
    for (std::size_t i = head.size(); i <= t.size(); ++i)
        if (type_matches(rest, t.substr(i))) return true;
    return false;
}

EventFilter EventFilter::parse(const json::object& o) {
    EventFilter f;
    f.types = opt_list(o, "types");
    f.senders = opt_list(o, "senders");
    f.rooms = opt_list(o, "rooms");
    f.not_types = string_list(o, "not_types");
    f.not_senders = string_list(o, "not_senders");
    f.not_rooms = string_list(o, "not_rooms");
    f.limit = json_fields::opt_int(o, "limit");
    if (f.limit && *f.limit < 0) throw invalid_param("limit must not be negative");
    f.contains_url = json_fields::opt_bool(o, "contains_url");
    f.lazy_load_members = json_fields::opt_bool(o, "lazy_load_members").value_or(false);
    f.include_redundant_members =
        json_fields::opt_bool(o, "include_redundant_members").value_or(false);
    return f;
}

EventFilter EventFilter::parse_param(const std::string& text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) throw not_json("filter is not a JSON object");
    return parse(v.get_object());
}

bool EventFilter::matches(const Event& e) const {
    for (const auto& p : not_types)
        if (type_matches(p, e.type())) return false;
    if (types && std::none_of(types->begin(), types->end(),
                              [&](const auto& p) { return type_matches(p, e.type()); }))
        return false;
    if (listed(not_senders, e.sender())) return false;
    if (senders && !listed(*senders, e.sender())) return false;
    if (contains_url) {
        auto* url = e.content().if_contains("url");
        bool has = url && url->is_string();
        if (has != *contains_url) return false;
    }
    return true;
}

bool EventFilter::matches_room(const std::string& room_id) const {
    if (listed(not_rooms, room_id)) return false;
    return !rooms || listed(*rooms, room_id);
}

} // namespace myelin::room
