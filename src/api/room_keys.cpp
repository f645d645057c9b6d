// Server-side key backup: /room_keys/version[/{version}] and
// /room_keys/keys[/{roomId}[/{sessionId}]].
#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
std::string version_param(const Request& req) {
    const auto* v = req.query_param("version");
    if (!v) throw missing_param("'version' is required");
    return *v;
}

std::optional<std::string> opt_param(const Request& req, const char* name) {
    auto it = req.params.find(std::string_view(name));
    if (it == req.params.end()) return std::nullopt;
    return it->second;
}
} // namespace

void add_room_key_routes(net::Router& r, Services& s) {
    r.client(verb::post, "/room_keys/version",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(json::object{
                     {"version", s.key_backup.create_version(auth.user_id, req.json())}});
             }));
    r.client(verb::get, "/room_keys/version",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(s.key_backup.version_info(auth.user_id, ""));
             }));
    r.client(verb::get, "/room_keys/version/{version}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(
                     s.key_backup.version_info(auth.user_id, req.param("version")));
             }));
    r.client(verb::put, "/room_keys/version/{version}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.key_backup.update_version(auth.user_id, req.param("version"), req.json());
                 co_return Response::empty_object();
             }));
    r.client(verb::delete_, "/room_keys/version/{version}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.key_backup.delete_version(auth.user_id, req.param("version"));
                 co_return Response::empty_object();
             }));

    // The three key paths differ only in how much of {rooms: {room: {sessions: {id: data}}}}
    // the path names and the body carries.
    for (const char* path :
         {"/room_keys/keys", "/room_keys/keys/{roomId}", "/room_keys/keys/{roomId}/{sessionId}"}) {
        r.client(verb::put, path,
                 authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                     auto body = req.json();
                     auto room = opt_param(req, "roomId");
                     auto session = opt_param(req, "sessionId");
                     json::object rooms;
                     if (session)
                         rooms[*room] = json::object{{"sessions", json::object{{*session, body}}}};
                     else if (room)
                         rooms[*room] = body;
                     else
                         rooms = jf::req_object(body, "rooms");
                     co_return Response::json(
                         s.key_backup.put_keys(auth.user_id, version_param(req), rooms));
                 }));
        r.client(verb::get, path,
                 authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                     co_return Response::json(s.key_backup.get_keys(
                         auth.user_id, version_param(req), opt_param(req, "roomId"),
                         opt_param(req, "sessionId")));
                 }));
        r.client(verb::delete_, path,
                 authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                     co_return Response::json(s.key_backup.delete_keys(
                         auth.user_id, version_param(req), opt_param(req, "roomId"),
                         opt_param(req, "sessionId")));
                 }));
    }
}

} // namespace myelin::api
