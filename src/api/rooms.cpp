// Room writes: createRoom, membership, send, state, redact.
#include "api/routes.hpp"
#include "event/event_types.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
room::Actor actor_of(const account::Auth& a) {
    return room::Actor{a.user_id, a.device_id};
}

// Membership endpoints that name a target user: invite, kick, ban, unban.
using TargetOp = void (room::RoomService::*)(const room::Actor&, const std::string&,
                                             const std::string&, const std::optional<std::string>&);
net::Handler target_op(Services& s, TargetOp op) {
    return authed(s, [&s, op](Request& req, const account::Auth& auth) -> net::Awaitable {
        auto body = req.json();
        auto target = jf::req_string(body, "user_id");
        auto reason = jf::opt_string(body, "reason");
        (s.rooms.*op)(actor_of(auth), req.param("roomId"), target, reason);
        co_return Response::empty_object();
    });
}
} // namespace

void add_room_routes(net::Router& r, Services& s) {
    r.client(verb::post, "/createRoom",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto room_id = s.rooms.create_room(actor_of(auth), body);
                 co_return Response::json(json::object{{"room_id", room_id}});
             }));

    auto join = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        auto body = req.json();
        auto target =
            req.params.count("roomIdOrAlias") ? req.param("roomIdOrAlias") : req.param("roomId");
        auto room_id = s.rooms.join(actor_of(auth), target, jf::opt_string(body, "reason"));
        co_return Response::json(json::object{{"room_id", room_id}});
    });
    r.client(verb::post, "/join/{roomIdOrAlias}", join);
    r.client(verb::post, "/rooms/{roomId}/join", join);

    r.client(verb::post, "/knock/{roomIdOrAlias}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto room_id = s.rooms.knock(actor_of(auth), req.param("roomIdOrAlias"),
                                              jf::opt_string(body, "reason"));
                 co_return Response::json(json::object{{"room_id", room_id}});
             }));

    r.client(verb::post, "/rooms/{roomId}/leave",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 s.rooms.leave(actor_of(auth), req.param("roomId"), jf::opt_string(body, "reason"));
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/rooms/{roomId}/forget",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.rooms.forget(actor_of(auth), req.param("roomId"));
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/rooms/{roomId}/invite", target_op(s, &room::RoomService::invite));
    r.client(verb::post, "/rooms/{roomId}/kick", target_op(s, &room::RoomService::kick));
    r.client(verb::post, "/rooms/{roomId}/ban", target_op(s, &room::RoomService::ban));
    r.client(verb::post, "/rooms/{roomId}/unban", target_op(s, &room::RoomService::unban));

    r.client(verb::put, "/rooms/{roomId}/send/{eventType}/{txnId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto res =
                     s.rooms.send_event(req.param("roomId"), actor_of(auth), req.param("eventType"),
                                        std::move(body), std::nullopt, req.param("txnId"));
                 co_return Response::json(json::object{{"event_id", res.event_id}});
             }));

    auto put_state = authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
        auto body = req.json();
        auto key = req.params.count("stateKey") ? req.param("stateKey") : std::string();
        const auto& type = req.param("eventType");
        if (type == event_type::member)
            throw forbidden("Use the membership endpoints (join, invite, leave, ...) instead");
        auto res =
            s.rooms.send_event(req.param("roomId"), actor_of(auth), type, std::move(body), key);
        co_return Response::json(json::object{{"event_id", res.event_id}});
    });
    r.client(verb::put, "/rooms/{roomId}/state/{eventType}/{stateKey}", put_state);
    r.client(verb::put, "/rooms/{roomId}/state/{eventType}", put_state);

    r.client(verb::put, "/rooms/{roomId}/redact/{eventId}/{txnId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto res =
                     s.rooms.redact(actor_of(auth), req.param("roomId"), req.param("eventId"),
                                    jf::opt_string(body, "reason"), req.param("txnId"));
                 co_return Response::json(json::object{{"event_id", res.event_id}});
             }));
}

} // namespace myelin::api
