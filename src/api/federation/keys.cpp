// The federation listener's key endpoints: GET /_matrix/key/v2/server (this server's signed
// keys), the notary endpoints GET /_matrix/key/v2/query/{serverName} and POST
// /_matrix/key/v2/query, and GET /_matrix/federation/v1/version. None needs a signed request.
#include "api/routes.hpp"
#include "util/clock.hpp"

#include <charconv>

namespace myelin::api {

namespace {
// What one notary request may ask about: each unknown server may cost a fetch.
constexpr std::size_t kMaxServersPerQuery = 20;

net::Awaitable server_keys(Services& s) {
    co_return Response::json(s.own_keys.server_keys(util::now_ms()));
}

std::int64_t minimum_valid_until(const Request& req) {
    const auto* v = req.query_param("minimum_valid_until_ts");
    if (!v) return 0;
    std::int64_t out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size())
        throw invalid_param("minimum_valid_until_ts must be an integer");
    return out;
}

net::Awaitable query_one(Services& s, Request& req) {
    auto keys =
        co_await s.federation.keys().notary_keys(req.param("serverName"), minimum_valid_until(req));
    co_return Response::json(json::object{{"server_keys", std::move(keys)}});
}

net::Awaitable query_many(Services& s, Request& req) {
    auto body = req.json();
    const auto* asked = body.if_contains("server_keys");
    if (!asked || !asked->is_object()) throw missing_param("server_keys must be an object");
    if (asked->as_object().size() > kMaxServersPerQuery)
        throw invalid_param("At most 20 servers per query");
    json::array all;
    for (const auto& [server, wanted] : asked->as_object()) {
        std::int64_t minimum = 0;
        if (wanted.is_object())
            for (const auto& [id, criteria] : wanted.as_object())
                if (const auto* m = criteria.is_object()
                                        ? criteria.as_object().if_contains("minimum_valid_until_ts")
                                        : nullptr;
                    m && m->is_int64())
                    minimum = std::max(minimum, m->as_int64());
        auto keys = co_await s.federation.keys().notary_keys(std::string(server), minimum);
        for (auto& k : keys)
            all.push_back(std::move(k));
    }
    co_return Response::json(json::object{{"server_keys", std::move(all)}});
}
} // namespace

void add_federation_key_routes(net::Router& r, Services& s) {
    r.add(verb::get, "/_matrix/key/v2/server", [&s](Request&) { return server_keys(s); });
    // Deprecated since r0.5, a key id after it: the spec says to answer with every key.
    r.add(verb::get, "/_matrix/key/v2/server/{keyId}", [&s](Request&) { return server_keys(s); });
    r.add(verb::get, "/_matrix/key/v2/query/{serverName}",
          [&s](Request& req) { return query_one(s, req); });
    r.add(verb::post, "/_matrix/key/v2/query", [&s](Request& req) { return query_many(s, req); });
    r.add(verb::get, "/_matrix/federation/v1/version", [](Request&) -> net::Awaitable {
        co_return Response::json(json::object{
            {"server", json::object{{"name", "Myelin"}, {"version", MYELIN_VERSION}}}});
    });
}

} // namespace myelin::api
