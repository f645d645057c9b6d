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

    ~NotificationCounter();

    // Call after the event is stored and the room state includes it. Evaluates the push rules
    // of every member now (on_actions hears of the result at once), and stores the actions now
    // or, when `defer` is set, at the next flush().
    void on_event(const room::Event& e);
    // By thread id ("main" outside threads); threads with nothing unread are left out.
    // Writes what is pending first, so the store's counts include every evaluated event.
    std::map<std::string, store::UnreadCount> unread(const std::string& user_id,
                                                     const std::string& room_id);
    // After the push actions of an event are evaluated (also when there are none), before
    // they are stored when writes are deferred: the sync caches count from this.
    std::function<void(const std::string& room_id, std::int64_t pos,
                       const std::vector<store::PushAction>& actions)>
        on_actions;
    // When set, on_event only queues the actions and calls this (once until the next flush)
    // to have flush() run later: a message to a big room wakes its streams without waiting
    // for one row per member to be written, and the rows of many messages share one
    // transaction. Each flush also records the position evaluated through, and recover()
    // re-evaluates what a crash left unwritten. Leave unset when other processes read the
    // counts from the store (they cannot see what this one has not written yet).
    std::function<void()> defer;
    // Writes the queued actions in one transaction. A failed write stays queued (the insert
    // ignores rows already there) and is retried at the next flush or unread().
    void flush();
    // At startup, with deferred writes: evaluates again the events stored after the recorded
    // position (their actions were still queued when the process stopped), against the
    // room's current members. Returns how many events it evaluated.
    std::size_t recover();
    std::size_t pending() const { return pending_.size(); }

private:
    room::RoomService& rooms_;
    PushRuleService& rules_;
    std::vector<store::PushAction> pending_;
    bool flush_requested_ = false;
    std::int64_t evaluated_through_ = 0; // the newest event position run through on_event
    std::int64_t written_through_ = 0;   // ... whose actions are stored
};

} // namespace myelin::push
