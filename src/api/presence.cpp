// GET/PUT /presence/{userId}/status.
#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

void add_presence_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/presence/{userId}/status",
             authed(s, [&s](Request& req, const account::Auth&) -> net::Awaitable {
                 const auto& user_id = req.param("userId");
                 if (!s.accounts.user_exists(user_id)) throw not_found("Unknown user");
                 if (!s.presence.enabled()) throw forbidden("Presence is disabled on this server");
                 co_return Response::json(s.presence.content(user_id));
             }));

    r.client(verb::put, "/presence/{userId}/status",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 if (req.param("userId") != auth.user_id)
                     throw forbidden("You may only set your own presence");
                 auto body = req.json();
                 auto state = jf::req_string(body, "presence");
                 auto msg = jf::opt_string(body, "status_msg");
                 // Sent to everyone who shares a room with the user, on every change: kept short.
                 if (msg && msg->size() > 1024)
                     throw invalid_param("status_msg is at most 1024 bytes");
                 if (!s.presence.enabled()) throw forbidden("Presence is disabled on this server");
                 s.presence.set(auth.user_id, state, msg);
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
