#pragma once
// Room aliases and the public room directory.
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class DirectoryStore {
public:
    virtual ~DirectoryStore() = default;

    // Aliases and the public directory.
    virtual bool put_alias(const std::string& alias, const std::string& room_id,
                           const std::string& creator) = 0; // false if taken
    virtual std::optional<std::pair<std::string, std::string>>
    get_alias(const std::string& alias) = 0; // (room_id, creator)
    virtual bool delete_alias(const std::string& alias) = 0;
    virtual std::vector<std::string> aliases_for_room(const std::string& room_id) = 0;
    virtual void set_room_public(const std::string& room_id, bool is_public) = 0;
    virtual std::vector<std::string> public_rooms() = 0;
};

} // namespace myelin::store
