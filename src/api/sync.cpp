// GET /sync (long-poll) and the filter endpoints.
#include "api/routes.hpp"
#include "api/sync_request.hpp"
#include "net/response_stream.hpp"
#include "util/gzip.hpp"
#include "util/matrix_error.hpp"
#include <charconv>

namespace myelin::api {

void add_sync_routes(net::Router& r, Services& s) {
    r.client(
        verb::get, "/sync",
        authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
            auto sr = sync_request(s, req, auth);
            if (const auto* since = req.query_param("since")) {
                auto t = s.sync.parse_since(*since);
                sr.since = t.pos;
                sr.since_typing = t.typing;
                sr.since_to_device = t.to_device;
            }
            std::int64_t timeout_ms = 0;
            if (const auto* t = req.query_param("timeout")) {
                auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), timeout_ms);
                if (ec != std::errc() || p != t->data() + t->size() || timeout_ms < 0)
                    throw invalid_param("timeout must be a non-negative integer");
            }
            // A forgotten long-poll must still end, and each one holds a connection: the timeout is
            // capped (answering sooner is always allowed), and so are a device's long-polls.
            timeout_ms = std::min<std::int64_t>(timeout_ms, s.config.sync_max_timeout_s * 1000);
            std::optional<sync::StreamLimits::Held> slot;
            if (timeout_ms > 0) {
                if (!s.longpoll_limits.acquire(auth.user_id, auth.device_id)) {
                    MatrixError e(429, errcode::limit_exceeded,
                                  "Too many concurrent /sync long-polls for this device or user");
                    e.extra["retry_after_ms"] = 1000;
                    throw e;
                }
                slot.emplace(s.longpoll_limits, auth.user_id, auth.device_id);
            }
            SyncPresence presence(s.presence, auth.user_id, sr.set_presence);
            // A client that gives up on its long-poll stops it at once.
            net::ResponseStream* out = req.stream;
            std::function<bool()> gone;
            std::function<void(std::function<void()>)> on_gone;
            if (out && timeout_ms > 0) {
                out->watch_close();
                gone = [out] { return out->closed(); };
                on_gone = [out](std::function<void()> cb) { out->on_close = std::move(cb); };
            }
            auto result =
                co_await s.sync.wait_for(std::move(sr), std::chrono::milliseconds(timeout_ms),
                                         std::move(gone), std::move(on_gone));
            // A logout while the long-poll waited revokes the token: what came after is not theirs.
            if (timeout_ms > 0 && !s.accounts.token_alive(auth.token_hash)) {
                MatrixError e(401, errcode::unknown_token, "Access token has been revoked");
                e.extra["soft_logout"] = false;
                throw e;
            }
            Response res;
            res.body = std::move(result.body);
            res.headers.emplace_back("Vary", "Accept-Encoding");
            if (s.config.sync_gzip &&
                util::accepts_gzip(req.header(net::http::field::accept_encoding))) {
                res.body = util::gzip(res.body);
                res.headers.emplace_back("Content-Encoding", "gzip");
            }
            co_return res;
        }));

    r.client(verb::post, "/user/{userId}/filter",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 if (req.param("userId") != auth.user_id)
                     throw forbidden("You may only create filters for yourself");
                 auto body = req.json();
                 auto id = s.filters.save(auth.user_id, body);
                 co_return Response::json(json::object{{"filter_id", id}});
             }));

    r.client(verb::get, "/user/{userId}/filter/{filterId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 if (req.param("userId") != auth.user_id)
                     throw forbidden("You may only read your own filters");
                 auto f = s.filters.load(auth.user_id, req.param("filterId"));
                 if (!f) throw not_found("Unknown filter");
                 co_return Response::json(*f);
             }));
}

} // namespace myelin::api
