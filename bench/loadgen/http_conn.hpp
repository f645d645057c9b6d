#pragma once
// One HTTP/1.1 client connection, run on the single io thread. A connection owns no read
// buffer: it waits for readability and then reads into one buffer shared by the thread, so
// tens of thousands of idle streams cost little more than their sockets.
#include "response_parser.hpp"
#include "traffic.hpp"
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace loadgen {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Where requests go, and the loopback addresses connections are spread over.
struct Target {
    std::string url;         // as given, for the results
    std::string host_header; // host[:port]
    std::string base_path;   // URL path prefix without a trailing slash (usually empty)
    tcp::endpoint server;
    std::vector<asio::ip::address> sources; // empty: let the kernel choose
};

struct HttpResult {
    boost::system::error_code ec; // transport or parse failure; status is then 0
    int status = 0;
    long retry_after_ms = -1;
    // Failed on a kept-alive connection before any byte of the response: the server had most
    // likely closed it while idle, so the request can be sent again on a new connection.
    bool stale = false;
    std::string body; // the whole body, or for a streamed 200 only what came before the sink
};

class HttpConn {
public:
    HttpConn(asio::any_io_executor ex, const Target& target, Traffic& traffic, std::size_t seq);
    ~HttpConn();
    HttpConn(const HttpConn&) = delete;
    HttpConn& operator=(const HttpConn&) = delete;

    // Writes `request` (see format_request), connecting first if needed, and reads the whole
    // response. With a sink, the body of a 200 response is streamed to it instead.
    asio::awaitable<HttpResult> exchange(const std::string& request, BodySink* sink = nullptr);
    bool is_open() const { return sock_.is_open(); }
    // Aborts whatever is pending; the next exchange reconnects.
    void close();
    // The watchdog closes the connection when no byte has arrived for `idle` while a request
    // is outstanding. Zero disables it.
    void set_read_timeout(std::chrono::milliseconds idle) { read_timeout_ = idle; }

    // Closes connections whose read timeout passed; called once a second.
    static void sweep(Clock::time_point now);

private:
    asio::awaitable<boost::system::error_code> connect();
    // Feeds `n` bytes to the parser, keeping what it could not consume yet.
    bool feed(ResponseParser& p, const char* data, std::size_t n, boost::system::error_code& ec);

    tcp::socket sock_;
    const Target& target_;
    Traffic& traffic_;
    std::size_t seq_; // picks the source address
    std::string pending_;
    std::chrono::milliseconds read_timeout_{0};
    Clock::time_point last_read_{};
    bool waiting_ = false; // a response is outstanding
    bool timed_out_ = false;
    std::size_t registry_index_;
};

// "METHOD target HTTP/1.1" with Host, the bearer token if any, extra header lines (each ending
// in \r\n) and a JSON body if not empty.
std::string format_request(std::string_view method, std::string_view target, const Target& t,
                           std::string_view token, std::string_view body = {},
                           std::string_view extra_headers = {});

// Percent-encodes a path segment or query value.
std::string url_encode(std::string_view s);

} // namespace loadgen
