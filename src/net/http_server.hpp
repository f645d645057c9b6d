#pragma once
// HTTP/1.1 server on one Asio event loop: one coroutine per connection, no thread per
// connection. Keep-alive and pipelining come from reading requests in a loop off one buffer.
#include "net/router.hpp"
#include "net/socket_writer.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>

namespace myelin::net {

struct HttpLimits {
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 16 * 1024; // request line and headers together
    std::chrono::seconds idle_timeout{75};    // keep-alive connection waiting for a request
    std::chrono::seconds request_timeout{30}; // a whole request must arrive within this
    std::chrono::seconds write_timeout{60};
    // Streamed responses' send() calls in a burst (a fan-out) run on a second thread
    // (net/socket_writer.hpp).
    bool send_thread = true;
};

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, const Router& router, HttpLimits limits);
    ~HttpServer();

    // Binds and starts accepting. Throws on bind failure.
    void listen(const std::string& host, unsigned short port);
    unsigned short port() const;

    // Graceful stop: no new connections; idle connections close now; busy ones close after
    // their current response. `on_stopping` handlers run first (e.g. wake long-polls).
    void stop();
    std::size_t open_connections() const { return connections_.size(); }
    bool stopping() const { return stopping_; }

    struct Connection;

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> c);
    boost::asio::awaitable<bool> handle_request(Connection& c);
    boost::asio::awaitable<void> linger_close(Connection& c);
    boost::asio::awaitable<Response> dispatch(Request& req,
                                              const http::request<http::string_body>& msg);

    boost::asio::io_context& io_;
    const Router& router_;
    HttpLimits limits_;
    std::unique_ptr<SocketWriter> writer_; // with limits_.send_thread
    boost::asio::ip::tcp::acceptor acceptor_;
    std::list<std::weak_ptr<Connection>> connections_;
    bool stopping_ = false;
};

} // namespace myelin::net
