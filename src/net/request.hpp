#pragma once
// What a handler sees of an HTTP request, and what it answers.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::net {

namespace http = boost::beast::http;

class ResponseStream;

// A request body read as it arrives (routes registered with Body::streamed): the handler reads
// it in pieces instead of the server holding all of it in memory.
class BodyReader {
public:
    virtual ~BodyReader() = default;
    // `n` bytes into `buf` (fewer only at the end); 0 once the body is read. Throws when the
    // client goes away or stalls past the request timeout between socket reads.
    virtual boost::asio::awaitable<std::size_t> read(char* buf, std::size_t n) = 0;
    // The declared Content-Length, if any (a chunked body has none).
    virtual std::optional<std::uint64_t> content_length() const = 0;
};

struct Request {
    http::verb method = http::verb::get;
    std::string path;   // the raw (still encoded) path
    std::string target; // path and query exactly as sent (what a server signs)
    std::multimap<std::string, std::string> query;          // decoded query parameters
    std::map<std::string, std::string, std::less<>> params; // decoded {placeholders} of the route
    const http::fields* headers = nullptr;
    std::string body;
    std::string remote_ip;
    std::string_view route; // the matched route's pattern, for logs ("" before routing)
    // The body, for routes that stream it (Router Body::streamed); `body` is empty then.
    BodyReader* body_stream = nullptr;
    // Set for handlers that answer with a long-lived stream (SSE); null otherwise.
    ResponseStream* stream = nullptr;

    const std::string* query_param(std::string_view name) const;
    std::string_view header(http::field f) const;
    std::string_view header(std::string_view name) const;
    // Every value of a header that may repeat (Authorization: X-Matrix, one per signing key).
    std::vector<std::string_view> header_values(http::field f) const;
    const std::string& param(std::string_view name) const;
    // The body as a JSON object ({} if empty); M_NOT_JSON / M_BAD_JSON otherwise.
    boost::json::object json() const;
};

struct Response {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    // True when the handler already wrote everything itself through Request::stream.
    bool streamed = false;

    static Response json(const boost::json::value& v, unsigned status = 200);
    static Response empty_object() { return json(boost::json::object{}); }
    static Response already_streamed() {
        Response r;
        r.streamed = true;
        return r;
    }
};

using Awaitable = boost::asio::awaitable<Response>;
using Handler = std::function<Awaitable(Request&)>;

// JSON body of a Matrix error: {"errcode": ..., "error": ...} plus extra fields.
Response error_response(unsigned status, std::string_view errcode, std::string_view message,
                        const boost::json::object* extra = nullptr);

} // namespace myelin::net
