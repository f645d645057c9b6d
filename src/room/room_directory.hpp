#pragma once
// Room aliases and the public room directory.
#include "room/room_service.hpp"

namespace myelin::room {

struct PublicRoomsQuery {
    std::int64_t limit = 0; // 0: no limit
    std::optional<std::string> since;
    std::optional<std::string> search_term;
    std::optional<std::vector<std::optional<std::string>>> room_types; // null entry: no type
};

class RoomDirectory {
public:
    // The room records (`events`) hold each room's directory visibility.
    RoomDirectory(RoomService& rooms, store::DirectoryStore& store, store::EventStore& events)
        : rooms_(rooms)
        , store_(store)
        , events_(events) {}

    void put_alias(const std::string& user_id, const std::string& alias,
                   const std::string& room_id);
    // {room_id, servers}; 404 M_NOT_FOUND when unknown.
    boost::json::object resolve_alias(const std::string& alias);
    void delete_alias(const std::string& user_id, const std::string& alias);
    boost::json::array aliases(const std::string& user_id, const std::string& room_id);

    void set_visibility(const std::string& user_id, const std::string& room_id,
                        const std::string& visibility);
    std::string visibility(const std::string& room_id);
    boost::json::object public_rooms(const PublicRoomsQuery& q);

private:
    boost::json::object summary(const std::string& room_id);
    RoomService& rooms_;
    store::DirectoryStore& store_;
    store::EventStore& events_;
};

} // namespace myelin::room
