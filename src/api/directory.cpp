// Room aliases (/directory/room), directory visibility and /publicRooms.
#include "api/routes.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include <charconv>

namespace myelin::api {

void add_directory_routes(net::Router& r, Services& s) {
    r.client(verb::put, "/directory/room/{roomAlias}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 s.directory.put_alias(auth.user_id, req.param("roomAlias"),
                                       jf::req_string(body, "room_id"));
                 co_return Response::empty_object();
             }));
    r.client(verb::get, "/directory/room/{roomAlias}", [&s](Request& req) -> net::Awaitable {
        const auto& alias = req.param("roomAlias");
        // Another server's alias is asked of that server.
        if (ids::valid_room_alias(alias) && ids::server_of(alias) != s.config.server_name)
            co_return Response::json(co_await s.federation.remote_alias(alias));
        co_return Response::json(s.directory.resolve_alias(alias));
    });
    r.client(verb::delete_, "/directory/room/{roomAlias}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.directory.delete_alias(auth.user_id, req.param("roomAlias"));
                 co_return Response::empty_object();
             }));
    r.client(verb::get, "/rooms/{roomId}/aliases",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(json::object{
                     {"aliases", s.directory.aliases(auth.user_id, req.param("roomId"))}});
             }));
    r.client(verb::get, "/directory/list/room/{roomId}", [&s](Request& req) -> net::Awaitable {
        co_return Response::json(
            json::object{{"visibility", s.directory.visibility(req.param("roomId"))}});
    });
    r.client(verb::put, "/directory/list/room/{roomId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 s.directory.set_visibility(auth.user_id, req.param("roomId"),
                                            jf::opt_string(body, "visibility").value_or("public"));
                 co_return Response::empty_object();
             }));

    r.client(verb::get, "/publicRooms", [&s](Request& req) -> net::Awaitable {
        room::PublicRoomsQuery q;
        if (const auto* l = req.query_param("limit")) {
            auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), q.limit);
            if (ec != std::errc() || p != l->data() + l->size() || q.limit < 0)
                throw invalid_param("limit must be a non-negative integer");
        }
        if (const auto* since = req.query_param("since")) q.since = *since;
        co_return Response::json(s.directory.public_rooms(q));
    });
    r.client(verb::post, "/publicRooms",
             authed(s, [&s](Request& req, const account::Auth&) -> net::Awaitable {
                 auto body = req.json();
                 room::PublicRoomsQuery q;
                 q.limit = jf::opt_int(body, "limit").value_or(0);
                 if (q.limit < 0) throw invalid_param("limit must not be negative");
                 q.since = jf::opt_string(body, "since");
                 if (const auto* f = jf::opt_object(body, "filter")) {
                     q.search_term = jf::opt_string(*f, "generic_search_term");
                     if (const auto* types = jf::opt_array(*f, "room_types")) {
                         q.room_types.emplace();
                         for (const auto& t : *types) {
                             if (t.is_null())
                                 q.room_types->push_back(std::nullopt);
                             else if (t.is_string())
                                 q.room_types->emplace_back(std::string(t.get_string()));
                             else
                                 throw bad_json("room_types must hold strings or null");
                         }
                     }
                 }
                 co_return Response::json(s.directory.public_rooms(q));
             }));
}

} // namespace myelin::api
