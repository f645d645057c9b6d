#pragma once
// One client-server API call with the retries every client needs: a new connection when the
// server had closed an idle keep-alive one, and waiting out 429 M_LIMIT_EXCEEDED.
#include "http_conn.hpp"
#include <boost/json/value.hpp>
#include <string>

namespace loadgen {

struct ApiResponse {
    int status = 0;          // 0: transport failure, see `error`
    boost::json::value body; // null if the body was not JSON
    std::string error;       // readable description of a failure
    int rate_limited = 0;    // how many 429s were waited out
};

// `target` starts with /_matrix/. Retries 429s up to `max_429` times.
boost::asio::awaitable<ApiResponse> api_call(HttpConn& conn, std::string_view method,
                                             std::string_view target, std::string_view token,
                                             std::string_view body, const Target& t,
                                             int max_429 = 50);

// "M_FOO: message (HTTP 400)" for a failed response.
std::string describe(const ApiResponse& r);

} // namespace loadgen
