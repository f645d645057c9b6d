#include "sync/sse_session.hpp"

#include "util/stream_token.hpp"
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace myelin::sync {

namespace asio = boost::asio;

std::string sse_event(std::string_view id, std::string_view data) {
    // `data` is one line of JSON (serializers never emit raw newlines), so one data: field.
    std::string out;
    out.reserve(id.size() + data.size() + 16);
    out += "id: ";
    out += id;
    out += "\ndata: ";
    out += data;
    out += "\n\n";
    return out;
}

std::string sse_named_event(std::string_view name, std::string_view data) {
    std::string out = "event: ";
    out += name;
    out += "\ndata: ";
    out += data;
    out += "\n\n";
    return out;
}

bool StreamLimits::acquire(const std::string& user_id, const std::string& device_id) {
    auto key = user_id + "|" + device_id;
    if (users_[user_id] >= per_user_ || devices_[key] >= per_device_) return false;
    ++users_[user_id];
    ++devices_[key];
    return true;
}

void StreamLimits::release(const std::string& user_id, const std::string& device_id) {
    auto key = user_id + "|" + device_id;
    if (--users_[user_id] <= 0) users_.erase(user_id);
    if (--devices_[key] <= 0) devices_.erase(key);
}

asio::awaitable<void> run_sse_session(SyncService& sync, SseSink& sink, SyncRequest req,
                                      SseOptions opts) {
    auto& notifier = sync.notifier();
    auto waiter = notifier.subscribe(req.user_id);
    waiter->wants_presence = sync.wants_presence(req);
    sink.on_close([waiter] { Notifier::wake(*waiter); });
    // A comment first, so proxies pass the stream on at once, and the reconnect delay.
    std::string hello =
        std::string(kSseHeartbeat) + "retry: " + std::to_string(opts.retry.count()) + "\n\n";
    bool ok = co_await sink.send(hello);
    auto last_sent = std::chrono::steady_clock::now();
    std::optional<SyncToken> since = opts.resume;
    bool first = true;
    bool recompute = true;
    auto next_recheck = std::chrono::steady_clock::now() + opts.token_recheck;
    while (ok && !sink.closed() && !sync.stopping) {
        // The token is re-checked when the user had a change of their own (every way of
        // revoking a token wakes the user so), not when a room message woke the stream (in a
        // fan-out that would be one more query per stream), and at most every
        // `token_recheck` on heartbeats, as a safety net for a token removed behind the
        // server's back (10,000 idle streams would otherwise query 2,000 times a second).
        bool check = std::exchange(waiter->user_changed, false);
        if (waiter->expired && std::chrono::steady_clock::now() >= next_recheck) check = true;
        if (check) next_recheck = std::chrono::steady_clock::now() + opts.token_recheck;
        if (check && opts.still_authorized && !opts.still_authorized()) {
            co_await sink.send(sse_named_event(
                "sync_error",
                R"({"errcode":"M_UNKNOWN_TOKEN","error":"Access token has been revoked","soft_logout":false})"));
            break;
        }
        if (recompute) {
            req.since = since ? std::optional(since->pos) : std::nullopt;
            req.since_typing = since ? since->typing : 0;
            req.since_to_device = since ? since->to_device : std::nullopt;
            req.full_state = first && !opts.resume && opts.full_state_first;
            // Only the token the client itself presented acknowledges to-device messages;
            // tokens the stream advances to on its own do not (the client may not have
            // processed them).
            req.acknowledges = first;
            auto result = co_await sync.compute(req);
            bool must_send = !result.empty || !since || (first && req.full_state);
            first = false;
            // Sent or not, the stream moves on to the answer's position: an empty answer means
            // nothing in between concerns this client, so /sync from the last id sent gives
            // the same next event, and an idle stream never rescans what it has already seen.
            since = SyncToken{result.next_pos, result.next_typing, result.next_to_device};
            if (must_send) {
                ok = co_await sink.send(sse_event(result.next_batch, result.body));
                last_sent = std::chrono::steady_clock::now();
                if (!ok) break;
                // What happened while writing woke the signal (it keeps a wake-up that comes
                // while nobody waits), so the wait below returns at once then; otherwise there
                // is nothing new to compute.
            }
        }
        // A to-device backlog larger than one event goes out event after event.
        if (ok && since && since->to_device) continue;
        // Idle: wait for a change, or for the shared deadline timer to say a heartbeat is due.
        waiter->woken = false;
        notifier.set_deadline(*waiter, last_sent + opts.heartbeat);
        co_await waiter->signal.async_wait(asio::use_awaitable);
        notifier.clear_deadline(*waiter);
        if (sink.closed() || sync.stopping) break;
        // A heartbeat changes nothing the stream has to recompute; a wake-up does.
        recompute = waiter->woken || !waiter->expired;
        if (!recompute) {
            ok = co_await sink.send(kSseHeartbeat);
            last_sent = std::chrono::steady_clock::now();
        }
    }
    notifier.unsubscribe(req.user_id, waiter);
}

} // namespace myelin::sync
