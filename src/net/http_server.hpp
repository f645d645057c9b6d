#pragma once
// HTTP/1.1 server on one Asio event loop: one coroutine per connection, no thread per
// connection. Keep-alive and pipelining come from reading requests in a loop off one buffer.
// With a TLS context every connection is TLS (the federation listener; the client listener
// when the operator asks): the same code reads and writes through the TLS stream.
#include "net/router.hpp"
#include "net/socket_writer.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

namespace boost::asio::ssl {
class context;
}

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
    // Open connections at most: 0 takes the descriptor limit less kReservedFds, which stay
    // free for the database, files and the spare descriptor that sheds connections beyond it.
    std::size_t max_connections = 0;
    std::size_t max_connections_per_address = 4096;
    static constexpr std::size_t kReservedFds = 256;
    // Reverse proxies whose X-Forwarded-For is believed: the client address is its rightmost
    // entry that is not itself one of them. Nobody else's header counts.
    std::vector<std::string> trusted_proxies;
};

class HttpServer {
public:
    // `tls`: serve TLS with it (certificates loaded, and replaceable while serving).
    HttpServer(boost::asio::io_context& io, const Router& router, HttpLimits limits,
               std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
    ~HttpServer();

    // New connections use `tls` from now on (certificates reloaded); open ones keep theirs.
    void replace_tls(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }
    bool tls() const { return tls_ != nullptr; }

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
    // `io` is the connection's TCP stream, or the TLS stream over it: what HTTP goes through.
    template <class Stream>
    boost::asio::awaitable<void> serve_on(std::shared_ptr<Connection> c, Stream& io);
    template <class Stream> boost::asio::awaitable<bool> handle_request(Connection& c, Stream& io);
    boost::asio::awaitable<void> linger_close(Connection& c);
    // Parses the target into `req` and finds its route (into `m`); an answer when the path
    // alone decides it (malformed, 404, 405, OPTIONS).
    std::optional<Response> route(Request& req, std::string_view target, Router::Match& m) const;
    // Runs the handler, turning what it throws into the spec's error body.
    boost::asio::awaitable<Response> invoke(Request& req, const Router::Match& m);
    template <class Stream>
    boost::asio::awaitable<bool> refuse(Connection& c, Stream& io, boost::system::error_code ec);
    template <class Stream>
    boost::asio::awaitable<bool> respond(Connection& c, Stream& io, Request& req, Response r,
                                         bool keep_alive,
                                         std::chrono::steady_clock::time_point started);

    boost::asio::io_context& io_;
    const Router& router_;
    HttpLimits limits_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::unique_ptr<SocketWriter> writer_; // with limits_.send_thread
    boost::asio::ip::tcp::acceptor acceptor_;
    // Takes a connection's place in the counts, or refuses it (false) past a limit.
    bool admit(const std::string& ip);
    void release(const std::string& ip);
    // Accepts and closes at once what the descriptor table has no room for (EMFILE), so a
    // flood is shed instead of spinning in accept; a spare descriptor makes that possible.
    boost::asio::awaitable<void> shed_one();
    // The client's address: the peer's, or, behind a trusted proxy, what it forwarded.
    std::string client_address(const std::string& peer, std::string_view forwarded_for) const;

    std::list<std::weak_ptr<Connection>> connections_;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::size_t max_connections_ = 0;
    int spare_fd_ = -1;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    bool stopping_ = false;
};

} // namespace myelin::net
