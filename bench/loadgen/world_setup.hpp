#pragma once
// Builds the world a run needs through the client-server API only (so any homeserver will do):
// registers users, creates rooms, joins members; saves it to --state and reuses it with --reuse.
#include "http_conn.hpp"
#include "options.hpp"
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace loadgen {

struct Account {
    std::string user_id;
    std::string access_token;
    std::string device_id;
};

struct Room {
    std::string room_id;
    std::vector<std::uint32_t> members; // user indices; the first one created the room
};

// Who is in which room.
struct Layout {
    std::uint32_t users = 0;
    std::vector<std::vector<std::uint32_t>> rooms;
    std::string key; // equal keys mean equal layouts, for --reuse
};

struct World {
    std::vector<Account> users;
    std::vector<Room> rooms;
    boost::json::object stats; // what setup did and how long it took
};

// The scenario's layout: each user in `rooms_per_user` of `rooms` rooms, spread evenly
// (user u is in rooms u*K .. u*K+K-1, modulo R), plus one room with everyone for --huge-room.
Layout make_layout(std::uint32_t users, std::uint32_t rooms, std::uint32_t rooms_per_user,
                   bool huge_room);

boost::asio::awaitable<World> setup_world(const Options& opts, const Target& target,
                                          const Layout& layout, Traffic& traffic);

} // namespace loadgen
