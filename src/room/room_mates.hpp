#pragma once
// "Does this user share a joined room with that one?", asked many times for one user during a
// sync (presence, device lists). Loads the user's rooms once and remembers each answer.
#include "store/store.hpp"
#include <map>
#include <set>

namespace myelin::room {

class RoomMates {
public:
    RoomMates(store::Store& store, std::string user_id)
        : store_(store)
        , user_id_(std::move(user_id)) {
        auto rooms = store_.rooms_for_user(user_id_, "join");
        rooms_.insert(rooms.begin(), rooms.end());
    }

    const std::set<std::string>& rooms() const { return rooms_; }
    bool in_room(const std::string& room_id) const { return rooms_.count(room_id) > 0; }

    bool shares(const std::string& other) {
        if (other == user_id_) return true;
        auto [it, fresh] = known_.emplace(other, false);
        if (fresh)
            for (const auto& r : store_.rooms_for_user(other, "join"))
                if (rooms_.count(r)) {
                    it->second = true;
                    break;
                }
        return it->second;
    }

private:
    store::Store& store_;
    std::string user_id_;
    std::set<std::string> rooms_;
    std::map<std::string, bool> known_;
};

} // namespace myelin::room
