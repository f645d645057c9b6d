#include "room/event_filter.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include <algorithm>

namespace myelin::room {

namespace json = boost::json;

namespace {
// Every entry is matched against every event a filter sees, so the lists are bounded: as many
// entries as any client needs, each no longer than the longest id or type (255 bytes) can
// use. Sender and room lists are kept sorted for binary search.
constexpr std::size_t kMaxListEntries = 1000;
constexpr std::size_t kMaxEntryBytes = 255;

std::vector<std::string> string_list(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v) return out;
    if (!v->is_array()) throw bad_json(std::string(key) + " must be a list of strings");
    if (v->get_array().size() > kMaxListEntries)
        throw invalid_param(std::string(key) + " has more than 1000 entries");
    for (const auto& x : v->get_array()) {
        if (!x.is_string()) throw bad_json(std::string(key) + " must be a list of strings");
        if (x.get_string().size() > kMaxEntryBytes)
            throw invalid_param(std::string(key) + " has an entry longer than 255 bytes");
        out.emplace_back(x.get_string());
    }
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> l) {
    std::sort(l.begin(), l.end());
    return l;
}

std::optional<std::vector<std::string>> opt_list(const json::object& o, std::string_view key) {
    if (!o.contains(key)) return std::nullopt;
    return string_list(o, key);
}

bool listed(const std::vector<std::string>& l, const std::string& x) {
    return std::binary_search(l.begin(), l.end(), x);
}
} // namespace

// '*' splits the pattern into literal pieces: the first must be a prefix, the last a suffix,
// and each one between is taken at its leftmost place after the previous one (taking it any
// later can only leave less room for the rest). No backtracking: a pattern of many '*' costs
// what a plain search does, where the recursive matcher this replaces took exponential time.
bool type_matches(std::string_view p, std::string_view t) {
    auto star = p.find('*');
    if (star == std::string_view::npos) return p == t;
    auto last = p.rfind('*');
    auto head = p.substr(0, star), tail = p.substr(last + 1);
    if (t.size() < head.size() + tail.size() || !t.starts_with(head) || !t.ends_with(tail))
        return false;
    auto middle = t.substr(head.size(), t.size() - head.size() - tail.size());
    for (std::size_t at = star + 1; at < last;) {
        auto next = p.find('*', at);
        auto piece = p.substr(at, next - at);
        at = next + 1;
        if (piece.empty()) continue;
        auto found = middle.find(piece);
        if (found == std::string_view::npos) return false;
        middle.remove_prefix(found + piece.size());
    }
    return true;
}

EventFilter EventFilter::parse(const json::object& o) {
    EventFilter f;
    f.types = opt_list(o, "types");
    f.senders = opt_list(o, "senders");
    if (f.senders) f.senders = sorted(std::move(*f.senders));
    f.rooms = opt_list(o, "rooms");
    if (f.rooms) f.rooms = sorted(std::move(*f.rooms));
    f.not_types = string_list(o, "not_types");
    f.not_senders = sorted(string_list(o, "not_senders"));
    f.not_rooms = sorted(string_list(o, "not_rooms"));
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
    json::parse_options opts;
    opts.max_depth = json_fields::kMaxBodyDepth;
    auto v = json::parse(text, ec, {}, opts);
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
