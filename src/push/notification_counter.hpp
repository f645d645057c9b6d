#pragma once
// Unread notification counts: every stored event is run through the push rules of each local
// member it could notify, and the ones that notify are recorded as push actions. Sync reports
// what remains after the member's read receipts, per room and per thread.
#include "feed/change_feed.hpp"
#include "push/push_rules.hpp"
#include "room/room_service.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>

namespace myelin::push {

class NotificationCounter {
public:
    // The actions of each evaluated event are published to `feed` (Kind::push_actions) at
    // once, before they are stored when writes are deferred: the sync caches count from that.
    NotificationCounter(room::RoomService& rooms, store::EventStore& events,
                        store::PushActionStore& store, store::MetaStore& meta,
                        PushRuleService& rules, feed::ChangeFeed& feed)
        : rooms_(rooms)
        , events_(events)
        , store_(store)
        , meta_(meta)
        , rules_(rules)
        , feed_(feed) {}

    ~NotificationCounter();

    // Call after the event is stored and the room state includes it. Evaluates the push rules
    // of every member now (publishing the result at once), and stores the actions now or, with
    // deferred writes, at the next flush().
    void on_event(const room::Event& e);
    // By thread id ("main" outside threads); threads with nothing unread are left out.
    // Writes what is pending first, so the store's counts include every evaluated event.
    std::map<std::string, store::UnreadCount> unread(const std::string& user_id,
                                                     const std::string& room_id);
    // From now on on_event only queues the actions and has flush() run `every` later (once
    // until that flush): a message to a big room wakes its streams without waiting for one row
    // per member to be written, and the rows of many messages share one transaction. Each
    // flush also records the position evaluated through, and recover() re-evaluates what a
    // crash left unwritten. Not for several processes: the others read the counts from the
    // store and cannot see what this one has not written yet.
    void defer_writes(boost::asio::any_io_executor ex, std::chrono::milliseconds every);
    // Stops the deferred-write timer (shutdown); what is queued is written by flush().
    void stop();
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
    store::EventStore& events_;
    store::PushActionStore& store_;
    store::MetaStore& meta_;
    PushRuleService& rules_;
    feed::ChangeFeed& feed_;
    std::optional<boost::asio::steady_timer> flush_timer_; // set when writes are deferred
    std::chrono::milliseconds flush_every_{0};
    boost::asio::any_io_executor ex_;
    void request_flush();
    std::vector<store::PushAction> pending_;
    bool flush_requested_ = false;
    std::int64_t evaluated_through_ = 0; // the newest event position run through on_event
    std::int64_t written_through_ = 0;   // ... whose actions are stored
};

} // namespace myelin::push
