// Account data (global and per room) and room tags.
#include "api/routes.hpp"
#include "util/ids.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
// The caller may only touch their own account data; room ids must be well-formed.
account::Auth owner(Services& s, const Request& req) {
    auto auth = require_auth(s, req);
    if (req.param("userId") != auth.user_id)
        throw forbidden("You may only access your own account data");
    if (req.params.count("roomId") && !ids::valid_room_id(req.param("roomId")))
        throw invalid_param("Malformed room id");
    return auth;
}

std::string room_of(const Request& req) {
    return req.params.count("roomId") ? req.param("roomId") : std::string();
}
} // namespace

void add_account_data_routes(net::Router& r, Services& s) {
    auto put = [&s](Request& req) -> net::Awaitable {
        auto auth = owner(s, req);
        auto body = req.json();
        s.account_data.put(auth.user_id, room_of(req), req.param("type"), body);
        co_return Response::empty_object();
    };
    auto get = [&s](Request& req) -> net::Awaitable {
        auto auth = owner(s, req);
        auto v = s.account_data.get(auth.user_id, room_of(req), req.param("type"));
        if (!v) throw not_found("No account data of that type");
        co_return Response::json(*v);
    };
    r.client(verb::put, "/user/{userId}/account_data/{type}", put);
    r.client(verb::get, "/user/{userId}/account_data/{type}", get);
    r.client(verb::put, "/user/{userId}/rooms/{roomId}/account_data/{type}", put);
    r.client(verb::get, "/user/{userId}/rooms/{roomId}/account_data/{type}", get);

    r.client(verb::get, "/user/{userId}/rooms/{roomId}/tags", [&s](Request& req) -> net::Awaitable {
        auto auth = owner(s, req);
        co_return Response::json(
            json::object{{"tags", s.account_data.tags(auth.user_id, room_of(req))}});
    });
    r.client(verb::put, "/user/{userId}/rooms/{roomId}/tags/{tag}",
             [&s](Request& req) -> net::Awaitable {
                 auto auth = owner(s, req);
                 auto body = req.json();
                 s.account_data.put_tag(auth.user_id, room_of(req), req.param("tag"), body);
                 co_return Response::empty_object();
             });
    r.client(verb::delete_, "/user/{userId}/rooms/{roomId}/tags/{tag}",
             [&s](Request& req) -> net::Awaitable {
                 auto auth = owner(s, req);
                 s.account_data.delete_tag(auth.user_id, room_of(req), req.param("tag"));
                 co_return Response::empty_object();
             });
}

} // namespace myelin::api
