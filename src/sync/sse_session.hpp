#pragma once
// One /sync/sse stream (MSC2108): the same responses repeated /sync calls would give, each
// sent as an SSE event whose id is its next_batch, computed from the previous event's id.
#include "sync/sync_service.hpp"
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <unordered_map>

namespace myelin::sync {

// Where the session writes; the HTTP layer adapts its connection to this.
class SseSink {
public:
    virtual ~SseSink() = default;
    virtual boost::asio::awaitable<bool> send(std::string_view text) = 0; // false: gone
    virtual bool closed() const = 0;
    virtual void on_close(std::function<void()> cb) = 0;
};

struct SseOptions {
    std::chrono::seconds heartbeat{5};
    std::chrono::milliseconds retry{2000};
    std::optional<SyncToken> resume; // from Last-Event-ID or `since`
    bool full_state_first = false;   // full_state applies to the first event only
    // Checked when the user had a change of their own (every way of revoking a token wakes
    // the user) and on a heartbeat at most every `token_recheck`: false when the token was
    // logged out or the device deleted.
    std::function<bool()> still_authorized;
    std::chrono::seconds token_recheck{60};
};

// Counts open streams per user and per device, so one client cannot hold unbounded streams.
class StreamLimits {
public:
    StreamLimits(std::int64_t per_device, std::int64_t per_user)
        : per_device_(per_device)
        , per_user_(per_user) {}
    // Takes a slot, or returns false when a limit is reached.
    bool acquire(const std::string& user_id, const std::string& device_id);
    void release(const std::string& user_id, const std::string& device_id);
    // A slot taken for as long as it lives (a stream or long-poll, however it ends).
    struct Held {
        Held(StreamLimits& l, std::string u, std::string d)
            : limits(l)
            , user(std::move(u))
            , device(std::move(d)) {}
        Held(const Held&) = delete;
        ~Held() { limits.release(user, device); }
        StreamLimits& limits;
        std::string user, device;
    };

private:
    std::int64_t per_device_, per_user_;
    std::unordered_map<std::string, std::int64_t> users_, devices_;
};

boost::asio::awaitable<void> run_sse_session(SyncService& sync, SseSink& sink, SyncRequest req,
                                             SseOptions opts);

// SSE framing.
std::string sse_event(std::string_view id, std::string_view data);
std::string sse_named_event(std::string_view name, std::string_view data);
inline constexpr std::string_view kSseHeartbeat = ": \n\n";

} // namespace myelin::sync
