#pragma once
// Power levels as the auth rules read them: from m.room.power_levels content (or its absence,
// which has its own defaults) plus, in v12, the creators' unlimited power.
#include "event/room_version.hpp"
#include "event/state_map.hpp"
#include <cstdint>
#include <limits>
#include <set>

namespace myelin::event {

inline constexpr std::int64_t kInfinitePower = std::numeric_limits<std::int64_t>::max();

class PowerLevels {
public:
    static PowerLevels from_state(const StateMap& state, const RoomVersion& v);

    std::int64_t user_level(const std::string& user_id) const;
    std::int64_t event_level(const std::string& type, bool is_state) const;
    std::int64_t invite() const { return invite_; }
    std::int64_t kick() const { return kick_; }
    std::int64_t ban() const { return ban_; }
    std::int64_t redact() const { return redact_; }
    std::int64_t state_default() const { return state_default_; }
    std::int64_t events_default() const { return events_default_; }
    std::int64_t users_default() const { return users_default_; }
    std::int64_t notification_level(const std::string& key) const;
    bool is_creator(const std::string& user_id) const { return creators_.count(user_id) > 0; }
    const std::set<std::string>& creators() const { return creators_; }

private:
    const boost::json::object* content_ = nullptr; // null: no power levels event
    std::set<std::string> creators_;
    bool infinite_creators_ = false;
    std::int64_t users_default_ = 0, events_default_ = 0, state_default_ = 0;
    std::int64_t invite_ = 0, kick_ = 50, ban_ = 50, redact_ = 50;
};

// Reads an integer field the way the given room version allows (v10+: integers only; older
// versions also accepted numeric strings). nullopt if absent or invalid.
std::optional<std::int64_t> power_value(const boost::json::value& v, const RoomVersion& rv);

} // namespace myelin::event
