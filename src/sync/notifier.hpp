#pragma once
// Wakes waiting syncs (long-polls and SSE streams) when something they would return has
// changed. Indexed room → local users in it (kept from membership events, never rebuilt per
// request) and user → waiters, so an event wakes exactly the streams of the room's members and
// a waiter registers once, whatever the number of rooms it covers.
//
// It is also the one place through which every change reaches the sync caches
// (`sync/sync_caches.hpp`): each wake entry point below updates or invalidates them before it
// wakes anyone. A change from another process must come in through these same calls.
//
// Deadlines (long-poll timeouts, SSE heartbeats) share one timer: it is armed at the earliest
// deadline and expires every due waiter in one batch, so idle streams cost no timer each.
#include "store/room_records.hpp"
#include "sync/sync_caches.hpp"
#include "sync/wake_signal.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace myelin::sync {

class Notifier {
public:
    using Clock = std::chrono::steady_clock;
    struct Waiter;
    using Deadlines = std::multimap<Clock::time_point, Waiter*>;
    struct Waiter {
        explicit Waiter(boost::asio::any_io_executor ex)
            : signal(std::move(ex)) {}
        WakeSignal signal;
        bool woken = false;   // something changed (or the client went away)
        bool expired = false; // its deadline passed
        // Woken through wake_user (Topic::everything): something of the user's own changed,
        // which includes a revoked token (a woken room member's token cannot have changed).
        bool user_changed = true;
        // False when the sync's filter leaves presence out: presence changes do not wake it
        // (in a big room every member coming online would otherwise wake every stream).
        bool wants_presence = true;
        // Its place in the deadline queue, and when it is really due. The place may be
        // earlier than `due` (set_deadline moves it lazily, see there); it never is later.
        std::optional<Deadlines::iterator> deadline;
        std::optional<Clock::time_point> due;
    };
    using RoomUsersLoader = std::function<std::vector<std::string>(const std::string& room_id)>;

    Notifier(boost::asio::any_io_executor ex, RoomUsersLoader loader)
        : ex_(ex)
        , loader_(std::move(loader))
        , deadline_timer_(ex) {}

    std::shared_ptr<Waiter> subscribe(const std::string& user_id);
    void unsubscribe(const std::string& user_id, const std::shared_ptr<Waiter>& w);

    // Something in `room_id` changed: an event stored at `event_pos` (its membership target, if
    // any, had a per-user change), or ephemeral data (typing: no position).
    void on_room_event(const std::string& room_id, const std::string* member_target,
                       const std::string* membership,
                       std::optional<std::int64_t> event_pos = std::nullopt);
    // A read receipt of `user_id` in the room was stored: their unread counts changed too.
    void on_receipt(const std::string& room_id, const std::string& user_id);
    // The push actions of the room's event at `pos` were stored (call before on_room_event).
    void on_push_actions(const std::string& room_id, std::int64_t pos,
                         const std::vector<store::PushAction>& actions);
    // A user's one-time or fallback key counts changed. Wakes nothing (counts never do).
    void on_key_counts_changed(const std::string& user_id);
    // What changed, so that waiters whose filter leaves it out are not woken for it.
    enum class Topic { everything, presence };
    // Something of this user's own changed (account data, to-device, devices, keys, tokens):
    // with Topic::everything it also counts as a per-user change for the caches.
    void wake_user(const std::string& user_id, Topic topic = Topic::everything);
    // Wakes the waiters of every local user joined to the room (nothing per-user changed).
    void wake_room(const std::string& room_id, Topic topic);
    SyncCaches& caches() { return caches_; }
    static void wake(Waiter& w) {
        w.woken = true;
        w.signal.notify();
    }
    // Sets (or moves) the waiter's deadline; when it passes, the waiter wakes with `expired`.
    // Moving a deadline later, or clearing it, leaves its queue entry where it is: when that
    // entry comes up it is moved to the real deadline or dropped. A stream that writes an
    // event every few hundred milliseconds then touches the queue once per heartbeat
    // interval, not twice per event.
    void set_deadline(Waiter& w, Clock::time_point when);
    void clear_deadline(Waiter& w) { w.due.reset(); }
    std::size_t deadlines() const { return deadlines_.size(); }
    // Wake everyone (shutdown; or notifications from other processes may have been missed).
    void wake_all();
    // Runs before every wake-up (wake_user, wake_room, on_room_event). Several processes:
    // catches up with what the others stored, so that the syncs it wakes can see it.
    std::function<void()> before_wake;

    std::size_t waiting() const;

private:
    std::unordered_set<std::string>& users_of(const std::string& room_id);
    void wake_changed_user(const std::string& user_id, Topic topic); // wake_user, no hook
    void wake_waiters(const std::string& user_id, Topic topic);
    void drop_deadline(Waiter& w); // removes its queue entry (before the waiter goes)
    void arm_deadline_timer();
    void expire_due();

    boost::asio::any_io_executor ex_;
    RoomUsersLoader loader_;
    std::unordered_map<std::string, std::unordered_set<std::string>> room_users_;
    std::unordered_map<std::string, std::vector<std::shared_ptr<Waiter>>> waiters_;
    Deadlines deadlines_;
    boost::asio::steady_timer deadline_timer_;
    std::optional<Clock::time_point> armed_for_;
    SyncCaches caches_;
};

} // namespace myelin::sync
