#include "api/federation/federation_auth.hpp"

namespace myelin::api {

net::Handler federation_authed(Services& s, FederationHandler h) {
    // The router keeps the handler for good, so the captures outlive every request's frame.
    return [&s, h = std::move(h)](net::Request& req) -> net::Awaitable {
        std::vector<std::string> auth;
        for (auto v : req.header_values(net::http::field::authorization))
            auth.emplace_back(v);
        std::optional<json::value> content;
        if (!req.body.empty()) content = json::value(req.json());
        const json::value* body = nullptr;
        if (content) body = &*content;
        auto origin = co_await s.federation.authenticate(
            std::string(net::http::to_string(req.method)), req.target, body, auth);
        co_return co_await h(req, origin);
    };
}

} // namespace myelin::api
