#pragma once
// What differs between the room versions Myelin supports (10, 11, 12).
// Everything version-dependent asks this struct instead of comparing version strings.
#include <optional>
#include <string>
#include <string_view>

namespace myelin::event {

struct RoomVersion {
    std::string id; // "10", "11", "12"
    // v11 (MSC2174/MSC3821/MSC3989/MSC2176 set): `redacts` lives in content, `origin` dropped,
    // create event has no `creator`, redaction keeps more keys.
    bool redacts_in_content = false;
    bool create_has_creator = true;
    // v12 (MSC4291/MSC4289/MSC4297): room id is the create event's reference hash, the create
    // event carries no room_id, creators have unlimited power and are not listed in power levels.
    bool room_id_from_create_event = false;
    bool creators_have_infinite_power = false;
    // v10+: power-level values must be integers (not strings).
    bool strict_integer_power_levels = true;
    // v7+: knock; v8+: restricted joins; v10+: knock_restricted.
    bool knock = true;
    bool restricted_join = true;
    bool knock_restricted = true;
};

// Returns nullopt for a version Myelin does not support.
std::optional<RoomVersion> room_version(std::string_view id);

// The version new rooms get when the client does not ask for one.
inline constexpr std::string_view kDefaultRoomVersion = "11";

} // namespace myelin::event
