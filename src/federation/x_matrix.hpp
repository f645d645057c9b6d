#pragma once
// The X-Matrix authorization scheme of server-server requests (spec "Request
// Authentication"): the header's fields, and the JSON a request's signature covers. Pure.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace myelin::federation {

struct XMatrix {
    std::string origin;
    std::string destination; // may be absent from older servers' headers
    std::string key;         // "ed25519:…"
    std::string sig;         // unpadded base64
};

// nullopt when `header` is not a well-formed X-Matrix value with origin, key and sig.
std::optional<XMatrix> parse_x_matrix(std::string_view header);
std::string format_x_matrix(const XMatrix& x);

// What is signed: {method, uri, origin, destination, content (when there is a body)}.
boost::json::object signed_request(std::string_view method, std::string_view uri,
                                   std::string_view origin, std::string_view destination,
                                   const boost::json::value* content);

} // namespace myelin::federation
