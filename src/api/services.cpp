#include "api/services.hpp"

#include "util/matrix_error.hpp"

namespace myelin::api {

account::Auth require_auth(Services& s, const net::Request& req) {
    std::string token;
    auto h = req.header(net::http::field::authorization);
    if (!h.empty()) {
        constexpr std::string_view bearer = "Bearer ";
        if (h.size() > bearer.size() && h.substr(0, bearer.size()) == bearer)
            token = std::string(h.substr(bearer.size()));
    } else if (const auto* q = req.query_param("access_token")) {
        token = *q;
    }
    if (token.empty()) throw MatrixError(401, "M_MISSING_TOKEN", "Missing access token");
    auto a = s.accounts.authenticate(token, req.remote_ip);
    if (!a) {
        MatrixError e(401, "M_UNKNOWN_TOKEN", "Unknown or expired access token");
        e.extra["soft_logout"] = false;
        throw e;
    }
    return *a;
}

} // namespace myelin::api
