#pragma once
// Push actions and the unread counts they add up to.
#include "store/room_records.hpp"
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class PushActionStore {
public:
    virtual ~PushActionStore() = default;

    // Push actions and the unread counts they add up to after the user's read receipts
    // (m.read and m.read.private; an unthreaded receipt covers every thread), by thread id.
    // With `through`, the same transaction records (meta `push_actions_through`) that the
    // actions of every event up to that position are now stored.
    virtual void put_push_actions(const std::vector<PushAction>& actions,
                                  std::optional<std::int64_t> through = std::nullopt) = 0;
    virtual std::map<std::string, UnreadCount> unread_counts(const std::string& user_id,
                                                             const std::string& room_id) = 0;
};

} // namespace myelin::store
