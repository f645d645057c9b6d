#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and {name} placeholders;
// placeholders match one percent-decoded path segment.
#include "net/request.hpp"
#include <string>
#include <vector>

namespace myelin::net {

// How a route takes its request body.
enum class Body {
    buffered, // read whole before the handler runs, up to HttpLimits::max_body_bytes
    streamed, // the handler reads it through Request::body_stream (uploads); its own limit
};

class Router {
public:
    struct Match {
        const Handler* handler = nullptr;
        const std::string* name =
            nullptr; // the route's pattern, e.g. /_matrix/client/v3/rooms/{roomId}/send/...
        bool path_known = false; // some route has this path, maybe with another method
        Body body = Body::buffered;
    };

    void add(http::verb method, std::string_view pattern, Handler handler,
             Body body = Body::buffered);
    // Registers under /_matrix/client/v3 and the legacy /_matrix/client/r0 prefix.
    void client(http::verb method, std::string_view path, const Handler& handler);
    // Registers under /_matrix/client/v1 (endpoints the spec introduced as v1).
    void client_v1(http::verb method, std::string_view path, const Handler& handler);

    // Fills req.params on success.
    Match match(http::verb method, const std::vector<std::string>& segments, Request& req) const;

private:
    struct Route {
        http::verb method;
        std::vector<std::string> parts; // literal, or "{name}"
        Handler handler;
        std::string name; // the pattern as registered: logs group requests by it
        Body body = Body::buffered;
    };
    std::vector<Route> routes_;
};

} // namespace myelin::net
