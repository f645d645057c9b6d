// Typing notifications, read receipts and read markers.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

void add_receipt_routes(net::Router& r, Services& s) {
    r.client(verb::put, "/rooms/{roomId}/typing/{userId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 if (req.param("userId") != auth.user_id)
                     throw forbidden("You can only set your own typing state");
                 s.typing.check_rate(auth.user_id);
                 const auto& room_id = req.param("roomId");
                 s.rooms.version_of(room_id);
                 if (s.rooms.membership(room_id, auth.user_id) !=
                     std::optional<std::string>("join"))
                     throw forbidden("You are not joined to this room");
                 auto body = req.json();
                 auto typing = jf::opt_bool(body, "typing");
                 if (!typing) throw missing_param("Missing 'typing'");
                 auto timeout = jf::opt_int(body, "timeout").value_or(30000);
                 if (timeout < 0) throw invalid_param("timeout must not be negative");
                 // Clients may ask for long timeouts; two minutes at most keeps stale typers
                 // short-lived.
                 timeout = std::min<std::int64_t>(timeout, 120000);
                 s.typing.set(room_id, auth.user_id, *typing, std::chrono::milliseconds(timeout));
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/rooms/{roomId}/receipt/{receiptType}/{eventId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto thread = jf::opt_string(body, "thread_id").value_or("");
                 s.receipts.post(auth.user_id, req.param("roomId"), req.param("receiptType"),
                                 req.param("eventId"), thread);
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/rooms/{roomId}/read_markers",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 for (const char* type : {"m.fully_read", "m.read", "m.read.private"})
                     if (auto id = jf::opt_string(body, type))
                         s.receipts.post(auth.user_id, req.param("roomId"), type, *id, "");
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
