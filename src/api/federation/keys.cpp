// The federation listener's endpoints: GET /_matrix/key/v2/server (this server's signed keys)
// and GET /_matrix/federation/v1/version. Neither needs a signed request.
#include "api/routes.hpp"
#include "util/clock.hpp"

namespace myelin::api {

namespace {
net::Awaitable server_keys(Services& s) {
    co_return Response::json(s.own_keys.server_keys(util::now_ms()));
}
} // namespace

void add_federation_routes(net::Router& r, Services& s) {
    r.add(verb::get, "/_matrix/key/v2/server", [&s](Request&) { return server_keys(s); });
    // Deprecated since r0.5, a key id after it: the spec says to answer with every key.
    r.add(verb::get, "/_matrix/key/v2/server/{keyId}", [&s](Request&) { return server_keys(s); });
    r.add(verb::get, "/_matrix/federation/v1/version", [](Request&) -> net::Awaitable {
        co_return Response::json(json::object{
            {"server", json::object{{"name", "Myelin"}, {"version", MYELIN_VERSION}}}});
    });
}

} // namespace myelin::api
