#include "sync_client.hpp"

#include "api_call.hpp"
#include "async_util.hpp"
#include <boost/json/parse.hpp>

namespace loadgen {

SyncClient::SyncClient(RunContext& ctx, std::uint32_t id, const Account& account)
    : ctx_(ctx)
    , id_(id)
    , account_(account)
    , conn_(ctx.ex, ctx.target, ctx.traffic, id)
    , sse_(*this) {}

asio::awaitable<void> SyncClient::upload_filter() {
    auto r = co_await api_call(
        conn_, "POST", "/_matrix/client/v3/user/" + url_encode(account_.user_id) + "/filter",
        account_.access_token, ctx_.filter_json, ctx_.target);
    const boost::json::value* id = nullptr;
    if (r.status == 200 && r.body.is_object()) id = r.body.get_object().if_contains("filter_id");
    if (id && id->is_string())
        query_ = "filter=" + url_encode(std::string(id->get_string()));
    else
        query_ = "filter=" + url_encode(ctx_.filter_json);
}

asio::awaitable<void> SyncClient::run() {
    co_await upload_filter();
    if (ctx_.opts.mode == "sse")
        co_await run_sse();
    else
        co_await run_longpoll();
}

void SyncClient::became_ready() {
    if (ready_) return;
    ready_ = true;
    ++ctx_.ready;
}

bool SyncClient::handle_sync(std::string_view body, std::int64_t recv_ns, std::string& next_batch) {
    recv_ns_ = recv_ns;
    found_ = 0;
    SyncSummary s;
    if (!scan_sync_body(body, ctx_.opts.run_id, s, *this)) {
        ctx_.error("client " + std::to_string(id_) + ": sync body is not a sync response");
        return false;
    }
    ++ctx_.syncs;
    if (ctx_.measuring) {
        ++ctx_.syncs_measured;
        if (found_ == 0) ++ctx_.syncs_without_messages_measured;
    }
    if (!since_.empty() && s.limited_rooms > 0) ctx_.limited += s.limited_rooms;
    next_batch = std::move(s.next_batch);
    return true;
}

void SyncClient::on_message(const FoundMessage& m) {
    ++found_;
    ctx_.tracker.on_receive(id_, m.room_id, m.seq, m.send_ns, recv_ns_);
}

asio::awaitable<void> SyncClient::run_longpoll() {
    const auto& o = ctx_.opts;
    conn_.set_read_timeout(std::chrono::milliseconds(o.longpoll_timeout_ms) +
                           std::chrono::seconds(30));
    bool connected_once = false;
    std::chrono::milliseconds backoff{250};
    while (!ctx_.stopping) {
        // The first sync returns at once; later ones wait for news up to the timeout.
        std::string target = "/_matrix/client/v3/sync?" + query_;
        if (since_.empty())
            target += "&timeout=0";
        else
            target += "&timeout=" + std::to_string(o.longpoll_timeout_ms) +
                      "&since=" + url_encode(since_);
        if (!conn_.is_open() && connected_once) ++ctx_.reconnects;
        auto r = co_await conn_.exchange(format_request(
            "GET", target, ctx_.target, account_.access_token, "",
            o.gzip ? std::string_view("Accept-Encoding: gzip\r\n") : std::string_view()));
        connected_once = true;
        if (ctx_.stopping) break;
        if (r.ec && r.stale) continue; // the server closed the idle keep-alive connection
        if (co_await failed(r, "/sync", backoff)) continue;
        backoff = std::chrono::milliseconds(250);
        std::string next;
        if (handle_sync(r.body, now_ns(), next) && !next.empty()) {
            since_ = std::move(next);
            became_ready();
        }
    }
}

// A failed request is counted as an error and waited out (exponential backoff for network
// errors, Retry-After or 1 s for HTTP errors); returns whether it failed.
asio::awaitable<bool> SyncClient::failed(const HttpResult& r, const char* what,
                                         std::chrono::milliseconds& backoff) {
    if (r.ec) {
        ctx_.error("client " + std::to_string(id_) + " " + what + ": " + r.ec.message());
        co_await sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(8000));
        co_return true;
    }
    if (r.status != 200) {
        ctx_.error("client " + std::to_string(id_) + " " + what + ": HTTP " +
                   std::to_string(r.status) + " " + r.body.substr(0, 200));
        long wait = r.status == 429 ? std::max(r.retry_after_ms, 1000L) : 1000L;
        co_await sleep_for(std::chrono::milliseconds(wait));
        co_return true;
    }
    co_return false;
}

asio::awaitable<void> SyncClient::run_sse() {
    const auto& o = ctx_.opts;
    int hb = o.heartbeat_interval > 0 ? o.heartbeat_interval : 5;
    // Several heartbeats missed in a row: the stream is dead even if TCP has not noticed.
    conn_.set_read_timeout(std::chrono::seconds(3 * hb + 10));
    std::string target = "/_matrix/client/v3/sync/sse?" + query_;
    if (o.heartbeat_interval > 0)
        target += "&heartbeat_interval=" + std::to_string(o.heartbeat_interval);
    bool connected_once = false, stale_retry = false;
    std::chrono::milliseconds backoff{250};
    while (!ctx_.stopping) {
        std::string headers = "Accept: text/event-stream\r\n";
        if (o.gzip) headers += "Accept-Encoding: gzip\r\n";
        if (!since_.empty()) headers += "Last-Event-ID: " + since_ + "\r\n";
        sse_.reset();
        seen_event_ = false;
        if (connected_once && !stale_retry) ++ctx_.reconnects;
        connected_once = true;
        stale_retry = false;
        auto r = co_await conn_.exchange(
            format_request("GET", target, ctx_.target, account_.access_token, "", headers), this);
        if (seen_event_) --ctx_.streaming;
        if (ctx_.stopping) break;
        if (r.ec && r.stale) { // the kept-alive connection of the filter upload had closed
            stale_retry = true;
            continue;
        }
        if (co_await failed(r, "/sync/sse", backoff)) continue;
        ++ctx_.stream_ends; // the server ended the stream; resume from the last event
        if (seen_event_) {
            backoff = std::chrono::milliseconds(250);
        } else { // ended before its first event: do not hammer the server
            co_await sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(8000));
        }
    }
}

void SyncClient::on_body_data(std::string_view data) {
    recv_ns_ = now_ns();
    sse_.feed(data);
}

void SyncClient::on_sse_event(const SseEvent& ev) {
    if (ev.type == "sync_error") {
        ctx_.error("client " + std::to_string(id_) + " sync_error: " + std::string(ev.data));
        return;
    }
    if (ev.type != "message") return;
    std::string next;
    if (!handle_sync(ev.data, recv_ns_, next)) return;
    // The id is the resume token; it equals the body's next_batch.
    since_ = ev.id.empty() ? next : std::string(ev.id);
    if (!seen_event_) {
        seen_event_ = true;
        ++ctx_.streaming;
    }
    became_ready();
}

void SyncClient::on_sse_block(bool comment_only) {
    auto now = Clock::now();
    // Heartbeats count from the connection's first event on, not from the greeting comment.
    if (comment_only && seen_event_) {
        ++ctx_.heartbeats;
        if (ctx_.measuring)
            ctx_.heartbeat_gaps_ms.push_back(
                std::chrono::duration<double, std::milli>(now - last_block_).count());
    }
    if (seen_event_) last_block_ = now;
}

} // namespace loadgen
