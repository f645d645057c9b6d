// GET /sync/sse (MSC2108): /sync as one Server-Sent Events stream.
#include "api/routes.hpp"
#include "api/sync_request.hpp"
#include "net/response_stream.hpp"
#include "sync/sse_session.hpp"
#include "util/gzip.hpp"
#include "util/matrix_error.hpp"
#include <charconv>

namespace myelin::api {

namespace {
// Adapts the HTTP connection to the sync layer's sink, gzipping when the client accepts it: one
// compression context for the whole stream, flushed after every event, so later events
// compress against earlier ones (the same keys, ids and rooms recur) and none waits in it.
class ConnectionSink final : public sync::SseSink {
public:
    ConnectionSink(net::ResponseStream& out, bool gzip)
        : out_(out) {
        // A 1 KiB window and memory level 2 (about 6 KiB of zlib buffers) compress sync events
        // within 5 % of zlib's defaults (256 KiB): each event mostly repeats the one before.
        if (gzip) gzip_.emplace(10, 2);
    }
    boost::asio::awaitable<bool> send(std::string_view text) override {
        if (!gzip_) return out_.write(text);
        return write_owned(gzip_->write(text));
    }
    // The gzip trailer, when the stream ends cleanly.
    boost::asio::awaitable<void> finish() {
        if (gzip_ && !out_.closed()) co_await write_owned(gzip_->finish());
    }
    bool closed() const override { return out_.closed(); }
    void on_close(std::function<void()> cb) override { out_.on_close = std::move(cb); }

private:
    // The compressed bytes must live until the write completes.
    boost::asio::awaitable<bool> write_owned(std::string bytes) {
        co_return co_await out_.write(bytes);
    }
    net::ResponseStream& out_;
    std::optional<util::GzipWriter> gzip_;
};

std::chrono::seconds heartbeat_param(const Services& s, const Request& req) {
    const auto* v = req.query_param("heartbeat_interval");
    if (!v) return std::chrono::seconds(s.config.sse_heartbeat_s);
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > 3600)
        throw invalid_param("heartbeat_interval must be a whole number of seconds from 1 to 3600");
    return std::chrono::seconds(n);
}
} // namespace

void add_sync_sse_routes(net::Router& r, Services& s) {
    auto handler = [&s](Request& req) -> net::Awaitable {
        if (!s.config.sse_allow_query_token && req.header(net::http::field::authorization).empty())
            throw MatrixError(
                401, errcode::missing_token,
                "This server takes the access token only in the Authorization header");
        auto auth = co_await require_auth(s, req);
        auto sr = sync_request(s, req, auth);
        sync::SseOptions opts;
        opts.heartbeat = heartbeat_param(s, req);
        // Last-Event-ID wins; `since` serves pages that reload (they cannot set the header).
        std::string resume(req.header("Last-Event-ID"));
        if (resume.empty())
            if (const auto* since = req.query_param("since")) resume = *since;
        if (!resume.empty()) opts.resume = s.sync.parse_since(resume);
        opts.full_state_first = sr.full_state;
        std::string token_hash = auth.token_hash;
        opts.still_authorized = [&s, token_hash] { return s.accounts.token_alive(token_hash); };
        if (!req.stream) throw std::runtime_error("no response stream");
        if (!s.stream_limits.acquire(auth.user_id, auth.device_id)) {
            MatrixError e(429, errcode::limit_exceeded,
                          "Too many open sync streams for this device or user");
            e.extra["retry_after_ms"] = 5000;
            throw e;
        }
        sync::StreamLimits::Held slot{s.stream_limits, auth.user_id, auth.device_id};
        std::vector<std::pair<std::string, std::string>> headers{
            {"Content-Type", "text/event-stream"},
            {"Cache-Control", "no-cache, no-transform"},
            {"X-Accel-Buffering", "no"},
            {"Vary", "Accept-Encoding"}};
        bool gzip =
            s.config.sync_gzip && util::accepts_gzip(req.header(net::http::field::accept_encoding));
        if (gzip) headers.emplace_back("Content-Encoding", "gzip");
        if (!co_await req.stream->begin(200, headers)) co_return Response::already_streamed();
        ConnectionSink sink(*req.stream, gzip);
        // The stream counts as syncing for as long as it is open.
        SyncPresence presence(s.presence, auth.user_id, sr.set_presence);
        co_await sync::run_sse_session(s.sync, sink, std::move(sr), std::move(opts));
        co_await sink.finish();
        co_return Response::already_streamed();
    };
    r.client(verb::get, "/sync/sse", handler);
    r.add(verb::get, "/_matrix/client/unstable/org.matrix.msc2108/sync/sse", handler);
}

} // namespace myelin::api
