#include "api/services.hpp"

#include "util/matrix_error.hpp"
#include <algorithm>

namespace myelin::api {

boost::asio::awaitable<account::Auth> require_auth(Services& s, const net::Request& req) {
    std::string token;
    auto h = req.header(net::http::field::authorization);
    if (!h.empty()) {
        // RFC 9110 §11.1: the scheme is case-insensitive ("bearer", "BEARER").
        constexpr std::string_view bearer = "bearer ";
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (h.size() > bearer.size() && std::equal(bearer.begin(), bearer.end(), h.begin(),
                                                   [&](char b, char c) { return b == lower(c); }))
            token = std::string(h.substr(bearer.size()));
    } else if (const auto* q = req.query_param("access_token")) {
        token = *q;
    }
    if (token.empty()) throw MatrixError(401, errcode::missing_token, "Missing access token");
    auto a = co_await s.accounts.authenticate(token, req.remote_ip);
    if (!a) {
        MatrixError e(401, errcode::unknown_token, "Unknown or expired access token");
        e.extra["soft_logout"] = false;
        throw e;
    }
    co_return *a;
}

net::Handler authed(Services& s, AuthedHandler h) {
    // The router keeps the handler for good, so the captures outlive every request's frame.
    return [&s, h = std::move(h)](net::Request& req) -> net::Awaitable {
        auto auth = co_await require_auth(s, req);
        co_return co_await h(req, auth);
    };
}

} // namespace myelin::api
