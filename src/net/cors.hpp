#pragma once
// CORS headers from the spec's "Web Browser Clients" section, on every response.
// Last-Event-ID is allowed too: fetch-based SSE clients send it and are preflighted.
#include <boost/beast/http/message.hpp>

namespace myelin::net {

template <class Fields> void add_cors_headers(Fields& res) {
    namespace http = boost::beast::http;
    res.set(http::field::access_control_allow_origin, "*");
    res.set(http::field::access_control_allow_methods, "GET, POST, PUT, DELETE, OPTIONS");
    res.set(http::field::access_control_allow_headers,
            "X-Requested-With, Content-Type, Authorization, Last-Event-ID");
}

} // namespace myelin::net
