#pragma once
// "Does this user share a joined room with that one?", asked many times for one user during a
// sync (presence, device lists). Reads the user's rooms once; each answer is a few lookups in the
// in-memory room state (no query per user asked about), remembered for the rest of the sync.
#include "room/room_service.hpp"
#include <map>
#include <set>

namespace myelin::room {

class RoomMates {
public:
    RoomMates(RoomService& rooms, std::string user_id)
        : rooms_(rooms)
        , user_id_(std::move(user_id)) {
        auto joined = rooms_.joined_rooms(user_id_);
        joined_.insert(joined.begin(), joined.end());
    }

    const std::set<std::string>& rooms() const { return joined_; }

    bool shares(const std::string& other) {
        if (other == user_id_) return true;
        auto [it, fresh] = known_.emplace(other, false);
        if (fresh)
            for (const auto& r : joined_)
                if (rooms_.joined(r, other)) {
                    it->second = true;
                    break;
                }
        return it->second;
    }

private:
    RoomService& rooms_;
    std::string user_id_;
    std::set<std::string> joined_;
    std::map<std::string, bool> known_;
};

} // namespace myelin::room
