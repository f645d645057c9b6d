#pragma once
// Presence: online / unavailable / offline with an optional status message. Syncing keeps a
// user at the `set_presence` they sync with; an open /sync/sse stream counts as syncing for as
// long as it is open. When a user's last sync has ended for `offline_after`, one sweep timer
// (not a timer per user) marks them offline. Only changes of state or message wake syncs:
// refreshing last_active does not. Changes are batched (one flush per `kWakeBatch`) so that
// many users coming online at once wake each room's members once per batch, not once per user.
#include "feed/change_feed.hpp"
#include "presence/presence_positions.hpp"
#include "store/store.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <unordered_map>
#include <vector>

namespace myelin::presence {

class PresenceService {
public:
    // Each batch of changes is published to `feed` (Kind::presence): those made here with
    // Origin::here, those apply_remote applied with Origin::other_process.
    PresenceService(store::AccountStore& store, boost::asio::any_io_executor ex,
                    feed::ChangeFeed& feed, std::chrono::seconds offline_after,
                    bool enabled = true);

    bool enabled() const { return enabled_; }
    // PUT /presence/{userId}/status. `state` must be online, unavailable or offline.
    void set(const std::string& user_id, const std::string& state,
             const std::optional<std::string>& status_msg);
    // The m.presence content for a user (offline if never seen).
    boost::json::object content(const std::string& user_id);
    boost::json::object content(const store::PresenceRecord& r) const;
    std::optional<store::PresenceRecord> record(const std::string& user_id);

    // A sync (long-poll) or stream begins / ends. `set_presence` "offline" leaves presence alone.
    void sync_started(const std::string& user_id, const std::string& set_presence);
    void sync_ended(const std::string& user_id);

    // Another process changed these users' presence: re-read them. A user that process marked
    // offline while a sync of theirs is open here is set online again (the other process only
    // knew that their syncs there had ended).
    void apply_remote(const std::vector<std::string>& user_ids);

    // The smallest y <= x such that every position in (y, x] is known to hold only a presence
    // change this process wrote (see presence_positions.hpp): for everything but presence, a
    // sync over (x, P] and one over (y, P] return the same.
    std::int64_t presence_only_floor(std::int64_t x) const { return presence_only_.floor(x); }

    // Runs one sweep now (the timer calls this; tests may too).
    void sweep();
    // Starts the sweep timer.
    void start();
    // Stops the sweep timer (shutdown: the event loop must be able to run dry).
    void stop() {
        stopped_ = true;
        timer_.cancel();
        flush_timer_.cancel();
    }

private:
    struct Activity {
        int open_syncs = 0;
        std::chrono::steady_clock::time_point last_end;
    };
    store::PresenceRecord& cached(const std::string& user_id);
    void change(store::PresenceRecord& r, const std::string& state,
                const std::optional<std::string>& status_msg);
    void arm();
    void flush();

    store::AccountStore& store_;
    feed::ChangeFeed& feed_;
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer flush_timer_;
    void schedule_flush();
    std::vector<std::string> pending_;        // changed here since the last flush
    std::vector<std::string> remote_pending_; // changed by other processes
    std::chrono::seconds offline_after_;
    bool enabled_;
    bool stopped_ = false;
    std::unordered_map<std::string, store::PresenceRecord> records_;
    std::unordered_map<std::string, Activity> active_; // users not offline, by activity
    PresenceOnlyPositions presence_only_;              // the positions our presence writes took
};

} // namespace myelin::presence
