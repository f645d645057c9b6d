// Events other servers ask for (signed requests): GET /_matrix/federation/v1/event/{eventId}.
#include "api/federation/federation_auth.hpp"
#include "util/clock.hpp"

namespace myelin::api {

namespace {
// The spec's transaction shape every event answer takes.
Response transaction(Services& s, json::array pdus) {
    return Response::json(json::object{{"origin", s.config.server_name},
                                       {"origin_server_ts", util::now_ms()},
                                       {"pdus", std::move(pdus)}});
}
} // namespace

void add_federation_event_routes(net::Router& r, Services& s) {
    r.add(verb::get, "/_matrix/federation/v1/event/{eventId}",
          federation_authed(s, [&s](Request& req, const std::string& origin) -> net::Awaitable {
              co_return transaction(
                  s, json::array{s.reader.pdu_for_server(origin, req.param("eventId"))});
          }));
}

} // namespace myelin::api
