#pragma once
// Unread notification counts: every stored event is run through the push rules of each local
// member it could notify, and the ones that notify are recorded as push actions. Sync reports
// what remains after the member's read receipts, per room and per thread.
#include "push/push_rules.hpp"
#include "room/room_service.hpp"

namespace myelin::push {

class NotificationCounter {
public:
    NotificationCounter(room::RoomService& rooms, PushRuleService& rules)
        : rooms_(rooms)
        , rules_(rules) {}

    // Call after the event is stored and the room state includes it.
    void on_event(const room::Event& e);
    // By thread id ("main" outside threads); threads with nothing unread are left out.
    std::map<std::string, store::UnreadCount> unread(const std::string& user_id,
                                                     const std::string& room_id);
    // After the push actions of an event are stored (also when there are none).
    std::function<void(const std::string& room_id, std::int64_t pos,
                       const std::vector<store::PushAction>& actions)>
        on_actions;

private:
    room::RoomService& rooms_;
    PushRuleService& rules_;
};

} // namespace myelin::push
