// Room reads: messages, context, event, state, members, joined rooms, relations.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include <charconv>

namespace myelin::api {

namespace {
std::optional<std::string> query(const Request& req, std::string_view name) {
    if (const auto* v = req.query_param(name)) return *v;
    return std::nullopt;
}

std::int64_t int_param(const Request& req, std::string_view name, std::int64_t fallback) {
    const auto* v = req.query_param(name);
    if (!v) return fallback;
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size() || out < 0)
        throw invalid_param(std::string(name) + " must be a non-negative integer");
    return out;
}

room::EventFilter filter_param(const Request& req) {
    if (const auto* f = req.query_param("filter")) return room::EventFilter::parse_param(*f);
    return {};
}

room::PageRequest page_of(const Request& req, char default_dir) {
    room::PageRequest p;
    p.from = query(req, "from");
    p.to = query(req, "to");
    auto dir = query(req, "dir").value_or(std::string(1, default_dir));
    if (dir != "b" && dir != "f") throw invalid_param("dir must be 'b' or 'f'");
    p.dir = dir[0];
    p.limit = int_param(req, "limit", 10);
    return p;
}
} // namespace

void add_room_read_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/rooms/{roomId}/messages",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 if (!req.query_param("dir")) throw missing_param("Missing 'dir'");
                 auto out = s.reader.messages(auth.user_id, req.param("roomId"), page_of(req, 'b'),
                                              filter_param(req));
                 co_return Response::json(out);
             }));

    r.client(verb::get, "/rooms/{roomId}/context/{eventId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto out =
                     s.reader.context(auth.user_id, req.param("roomId"), req.param("eventId"),
                                      int_param(req, "limit", 10), filter_param(req));
                 co_return Response::json(out);
             }));

    r.client(verb::get, "/rooms/{roomId}/event/{eventId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(
                     s.reader.event(auth.user_id, req.param("roomId"), req.param("eventId")));
             }));

    r.client(verb::get, "/rooms/{roomId}/state",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(s.reader.state(auth.user_id, req.param("roomId")));
             }));

    auto state_one = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        auto key = req.params.count("stateKey") ? req.param("stateKey") : std::string();
        auto content =
            s.reader.state_content(auth.user_id, req.param("roomId"), req.param("eventType"), key);
        // ?format=event returns the whole event (spec v1.16).
        if (query(req, "format") == std::optional<std::string>("event")) {
            for (auto& e : s.reader.state(auth.user_id, req.param("roomId"))) {
                auto& o = e.as_object();
                if (o["type"] == json::value(req.param("eventType")) &&
                    o["state_key"] == json::value(key))
                    co_return Response::json(o);
            }
        }
        co_return Response::json(content);
    });
    r.client(verb::get, "/rooms/{roomId}/state/{eventType}/{stateKey}", state_one);
    r.client(verb::get, "/rooms/{roomId}/state/{eventType}", state_one);

    r.client(verb::get, "/rooms/{roomId}/members",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(
                     s.reader.members(auth.user_id, req.param("roomId"), query(req, "at"),
                                      query(req, "membership"), query(req, "not_membership")));
             }));

    r.client(verb::get, "/rooms/{roomId}/joined_members",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(
                     s.reader.joined_members(auth.user_id, req.param("roomId")));
             }));

    r.client(verb::get, "/joined_rooms",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(
                     json::object{{"joined_rooms", s.reader.joined_rooms(auth.user_id)}});
             }));

    auto relations = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        std::optional<std::string> rel_type, event_type;
        if (req.params.count("relType")) rel_type = req.param("relType");
        if (req.params.count("eventType")) event_type = req.param("eventType");
        co_return Response::json(s.reader.relations(auth.user_id, req.param("roomId"),
                                                    req.param("eventId"), rel_type, event_type,
                                                    page_of(req, 'b')));
    });
    r.client_v1(verb::get, "/rooms/{roomId}/relations/{eventId}", relations);
    r.client_v1(verb::get, "/rooms/{roomId}/relations/{eventId}/{relType}", relations);
    r.client_v1(verb::get, "/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}", relations);
}

} // namespace myelin::api
