#pragma once
// The spec's RoomEventFilter (used by /messages, /context and, later, sync timelines).
#include "room/event.hpp"
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace myelin::room {

struct EventFilter {
    std::optional<std::vector<std::string>> types, senders, rooms;
    std::vector<std::string> not_types, not_senders, not_rooms;
    std::optional<std::int64_t> limit;
    std::optional<bool> contains_url;
    bool lazy_load_members = false;
    bool include_redundant_members = false;

    // Parses a filter object; M_BAD_JSON on wrong shapes.
    static EventFilter parse(const boost::json::object& o);
    // From a query parameter holding inline JSON ('{...}'); M_NOT_JSON if unparsable.
    static EventFilter parse_param(const std::string& text);

    bool matches(const Event& e) const;
    bool matches_room(const std::string& room_id) const;
};

// Glob match where '*' matches any run of characters (the filter's type wildcard).
bool type_matches(std::string_view pattern, std::string_view type);

} // namespace myelin::room
