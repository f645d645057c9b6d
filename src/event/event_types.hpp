#pragma once
// Event types named in more than one place. Plain `const char*` so that they go wherever a
// literal did (a std::string, a JSON value, a comparison with a std::string or string_view).
namespace myelin::event_type {
inline constexpr const char* create = "m.room.create";
inline constexpr const char* member = "m.room.member";
inline constexpr const char* power_levels = "m.room.power_levels";
inline constexpr const char* join_rules = "m.room.join_rules";
inline constexpr const char* redaction = "m.room.redaction";
inline constexpr const char* history_visibility = "m.room.history_visibility";
inline constexpr const char* canonical_alias = "m.room.canonical_alias";
inline constexpr const char* name = "m.room.name";
inline constexpr const char* topic = "m.room.topic";
inline constexpr const char* avatar = "m.room.avatar";
inline constexpr const char* tombstone = "m.room.tombstone";
inline constexpr const char* third_party_invite = "m.room.third_party_invite";
inline constexpr const char* server_acl = "m.room.server_acl";
inline constexpr const char* message = "m.room.message";
inline constexpr const char* guest_access = "m.room.guest_access";
inline constexpr const char* encryption = "m.room.encryption";
inline constexpr const char* encrypted = "m.room.encrypted";
} // namespace myelin::event_type
