#pragma once
// Typing notifications: in memory only (the spec makes them ephemeral), each with an expiry.
// A serial orders changes so sync can tell which rooms changed since a token; one sweep timer
// for all rooms clears expired typers.
//
// Serials are wall-clock microseconds, bumped past the previous serial: several processes
// each keep their own typing state (fed by each other, cluster/replicator), and a token one
// process issued must mean the same moment to another. A change applied after a token was
// issued, on any process, gets a larger serial than the token (as far as the clocks agree).
#include "account/rate_limiter.hpp"
#include "feed/change_feed.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::room {

class TypingService {
public:
    TypingService(boost::asio::any_io_executor ex, feed::ChangeFeed& feed)
        : feed_(feed)
        , sweep_(ex) {}

    // Every change wakes every member's syncs: a user's PUT /typing calls are rate-limited
    // (429 M_LIMIT_EXCEEDED), two a second with bursts of ten.
    void check_rate(const std::string& user_id) { limiter_.check(user_id); }
    // A local user's typing (PUT /typing): publishes typing_set, then typing if the typers
    // changed.
    void set(const std::string& room_id, const std::string& user_id, bool typing,
             std::chrono::milliseconds timeout);
    // The same, reported by another process: publishes only typing (Origin::other_process).
    void apply_remote(const std::string& room_id, const std::string& user_id, bool typing,
                      std::chrono::milliseconds timeout);
    // The serial a token carries: every change this process has applied is at or before it.
    std::int64_t serial() const;
    // The room's typers when they changed after `since_serial`.
    std::optional<std::vector<std::string>> changed_since(const std::string& room_id,
                                                          std::int64_t since_serial) const;
    std::vector<std::string> rooms_changed_since(std::int64_t since_serial) const;
    // Whether any room's typers changed after `since_serial` (serial_ is the newest change's).
    bool any_changed_since(std::int64_t since_serial) const { return serial_ > since_serial; }
    std::vector<std::string> typers(const std::string& room_id) const;
    // Stops the expiry sweeps (shutdown: the event loop must be able to run dry).
    void stop() {
        stopped_ = true;
        sweep_.cancel();
    }

private:
    struct RoomTyping {
        std::map<std::string, std::chrono::steady_clock::time_point> until;
        std::int64_t serial = 0;
    };
    void changed(const std::string& room_id, RoomTyping& r, feed::Origin origin);
    void update(const std::string& room_id, const std::string& user_id, bool typing,
                std::chrono::milliseconds timeout, feed::Origin origin);
    void schedule_sweep();
    void sweep();

    feed::ChangeFeed& feed_;
    std::unordered_map<std::string, RoomTyping> rooms_;
    std::int64_t serial_ = 0;
    boost::asio::steady_timer sweep_;
    bool sweeping_ = false;
    bool stopped_ = false;
    account::RateLimiter limiter_{account::RateLimit{true, 2.0, 10}};
};

} // namespace myelin::room
