// Account data (global and per room) and room tags.
#include "api/routes.hpp"
#include "util/ids.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
// The caller may only touch their own account data; room ids must be well-formed.
void check_owner(const Request& req, const account::Auth& auth) {
    if (req.param("userId") != auth.user_id)
        throw forbidden("You may only access your own account data");
    if (req.params.count("roomId") && !ids::valid_room_id(req.param("roomId")))
        throw invalid_param("Malformed room id");
}

std::string room_of(const Request& req) {
    return req.params.count("roomId") ? req.param("roomId") : std::string();
}
} // namespace

void add_account_data_routes(net::Router& r, Services& s) {
    auto put = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        check_owner(req, auth);
        auto body = req.json();
        s.account_data.put(auth.user_id, room_of(req), req.param("type"), body);
        co_return Response::empty_object();
    });
    auto get = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        check_owner(req, auth);
        auto v = s.account_data.get(auth.user_id, room_of(req), req.param("type"));
        if (!v) throw not_found("No account data of that type");
        co_return Response::json(*v);
    });
    r.client(verb::put, "/user/{userId}/account_data/{type}", put);
    r.client(verb::get, "/user/{userId}/account_data/{type}", get);
    r.client(verb::put, "/user/{userId}/rooms/{roomId}/account_data/{type}", put);
    r.client(verb::get, "/user/{userId}/rooms/{roomId}/account_data/{type}", get);

    r.client(verb::get, "/user/{userId}/rooms/{roomId}/tags",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 check_owner(req, auth);
                 co_return Response::json(
                     json::object{{"tags", s.account_data.tags(auth.user_id, room_of(req))}});
             }));
    r.client(verb::put, "/user/{userId}/rooms/{roomId}/tags/{tag}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 check_owner(req, auth);
                 auto body = req.json();
                 s.account_data.put_tag(auth.user_id, room_of(req), req.param("tag"), body);
                 co_return Response::empty_object();
             }));
    r.client(verb::delete_, "/user/{userId}/rooms/{roomId}/tags/{tag}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 check_owner(req, auth);
                 s.account_data.delete_tag(auth.user_id, room_of(req), req.param("tag"));
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
