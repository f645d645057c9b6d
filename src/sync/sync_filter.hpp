#pragma once
// The spec's sync Filter: which rooms, which events and how many, per section.
#include "room/event_filter.hpp"
#include <boost/json.hpp>

namespace myelin::sync {

struct SyncFilter {
    room::EventFilter rooms;     // room.rooms / room.not_rooms
    room::EventFilter timeline;  // room.timeline
    room::EventFilter state;     // room.state (lazy_load_members lives here)
    room::EventFilter ephemeral; // room.ephemeral
    room::EventFilter room_account_data;
    room::EventFilter account_data; // top-level account_data
    room::EventFilter presence;
    bool include_leave = false;
    bool unread_thread_notifications = false; // room.timeline.unread_thread_notifications
    std::optional<std::vector<std::string>> event_fields;
    std::string event_format = "client";
    // The filter's JSON as given: equal keys mean equal filters (shared sync caches use it).
    std::string cache_key;

    std::int64_t timeline_limit() const { return timeline.limit.value_or(10); }

    // M_BAD_JSON for wrong shapes.
    static SyncFilter parse(const boost::json::object& o);
};

// Drops the fields `event_fields` does not name (dotted paths, '\.' escapes a dot).
boost::json::object apply_event_fields(const boost::json::object& event,
                                       const std::vector<std::string>& fields);

} // namespace myelin::sync
