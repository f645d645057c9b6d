#include "net/http_server.hpp"

#include "net/cors.hpp"
#include "net/response_stream.hpp"
#include "util/matrix_error.hpp"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>
#include <sstream>

namespace myelin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;
using asio::ip::tcp;

struct HttpServer::Connection : std::enable_shared_from_this<HttpServer::Connection> {
    explicit Connection(tcp::socket s)
        : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    bool busy = false;
    std::string remote_ip;
};

namespace {
// Streams a response body over the connection. A watcher reads from the socket meanwhile:
// an SSE client never sends anything after its request, so any completion means it is gone.
class ConnectionStream final : public ResponseStream {
public:
    ConnectionStream(std::shared_ptr<HttpServer::Connection> c, std::chrono::seconds write_timeout,
                     SocketWriter* writer)
        : c_(std::move(c))
        , write_timeout_(write_timeout)
        , writer_(writer) {}
    ~ConnectionStream() override {
        // The read watcher may complete after the handler is done; it must not call back.
        state_->on_close = nullptr;
        state_->closed = true;
    }

    asio::awaitable<bool>
    begin(unsigned status,
          const std::vector<std::pair<std::string, std::string>>& headers) override;
    asio::awaitable<bool> write(std::string_view data) override;
    bool closed() const override { return state_->closed; }
    void watch_close() override;

private:
    struct State {
        bool closed = false;
        std::function<void()>* on_close = nullptr;
    };
    std::shared_ptr<HttpServer::Connection> c_;
    std::chrono::seconds write_timeout_;
    SocketWriter* writer_; // null: every send() on the event loop
    std::shared_ptr<State> state_ = std::make_shared<State>();
    bool watching_ = false;
};
} // namespace

HttpServer::HttpServer(asio::io_context& io, const Router& router, HttpLimits limits)
    : io_(io)
    , router_(router)
    , limits_(limits)
    , writer_(limits.send_thread ? std::make_unique<SocketWriter>() : nullptr)
    , acceptor_(io) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen(const std::string& host, unsigned short port) {
    tcp::endpoint ep(asio::ip::make_address(host), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(io_, accept_loop(), asio::detached);
}

unsigned short HttpServer::port() const {
    return acceptor_.local_endpoint().port();
}

void HttpServer::stop() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& w : connections_) {
        auto c = w.lock();
        // Busy connections finish their response and then close (the loop checks stopping_).
        if (c && !c->busy) beast::get_lowest_layer(c->stream).socket().cancel(ec);
    }
}

asio::awaitable<void> HttpServer::accept_loop() {
    while (!stopping_) {
        boost::system::error_code ec;
        tcp::socket sock = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) break;
            // EMFILE and friends: back off briefly instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer t(io_, std::chrono::milliseconds(50));
            co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
            continue;
        }
        sock.set_option(tcp::no_delay(true), ec);
        auto c = std::make_shared<Connection>(std::move(sock));
        c->remote_ip =
            beast::get_lowest_layer(c->stream).socket().remote_endpoint(ec).address().to_string();
        connections_.push_back(c);
        auto it = std::prev(connections_.end());
        asio::co_spawn(io_, serve(c), [this, it](std::exception_ptr) { connections_.erase(it); });
    }
}

namespace {

using StringRequest = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;

StringResponse to_http(Response&& r, bool keep_alive) {
    StringResponse res{static_cast<http::status>(r.status), 11};
    res.set(http::field::server, "Myelin");
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    add_cors_headers(res);
    for (auto& [k, v] : r.headers)
        res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
}

} // namespace

namespace {
asio::awaitable<bool>
ConnectionStream::begin(unsigned status,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
    http::response<http::empty_body> head{static_cast<http::status>(status), 11};
    head.set(http::field::server, "Myelin");
    add_cors_headers(head);
    for (const auto& [k, v] : headers)
        head.set(k, v);
    head.keep_alive(false);
    std::string text;
    {
        std::ostringstream os;
        os << head.base();
        text = os.str();
    }
    watch_close();
    co_return co_await write(text);
}

// Waits for the socket to become readable without consuming anything: end-of-file (nothing
// available) or an error means the client has gone; bytes waiting are a pipelined request,
// left in place for the next turn of the connection loop.
void ConnectionStream::watch_close() {
    if (watching_) return;
    watching_ = true;
    state_->on_close = &on_close;
    auto state = state_;
    auto conn = c_;
    beast::get_lowest_layer(conn->stream)
        .socket()
        .async_wait(tcp::socket::wait_read, [state, conn](boost::system::error_code ec) {
            if (state->closed) return;
            auto& sock = beast::get_lowest_layer(conn->stream).socket();
            boost::system::error_code ignore;
            if (!ec && sock.available(ignore) > 0) return;
            state->closed = true;
            if (state->on_close && *state->on_close) (*state->on_close)();
        });
}

asio::awaitable<bool> ConnectionStream::write(std::string_view data) {
    if (state_->closed) co_return false;
    boost::system::error_code ec;
    auto& sock = beast::get_lowest_layer(c_->stream).socket();
    // Most writes (an SSE event, a heartbeat) fit in the socket's send buffer: one send
    // without a timer or a suspension (a fan-out makes one per stream). What does not fit
    // goes on below.
    if (!sock.non_blocking()) sock.non_blocking(true, ec);
    std::size_t sent = 0;
    if (!ec && writer_ && writer_->take_this_one()) {
        // A burst (a fan-out): the send runs on the writer thread while the loop goes on.
        auto [n, err] = co_await writer_->async_send(sock.get_executor(), sock.native_handle(),
                                                     data, asio::as_tuple(use_awaitable));
        sent = n;
        if (err) ec = boost::system::error_code(err, boost::system::system_category());
        if (state_->closed) co_return false;
    } else if (!ec) {
        sent = sock.write_some(asio::buffer(data.data(), data.size()), ec);
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        sent = 0;
    }
    if (ec) {
        state_->closed = true;
        co_return false;
    }
    if (sent == data.size()) co_return true;
    data.remove_prefix(sent);
    // A raw socket write with our own deadline: beast's stream timer is shared with reads.
    asio::steady_timer deadline(sock.get_executor());
    deadline.expires_after(write_timeout_);
    auto timed_out = std::make_shared<bool>(false);
    auto conn = c_; // plain captures only: GCC 12 mishandles init-captures in coroutines
    deadline.async_wait([conn, timed_out](boost::system::error_code e) {
        if (!e) {
            *timed_out = true;
            boost::system::error_code ignore;
            beast::get_lowest_layer(conn->stream).socket().cancel(ignore);
        }
    });
    co_await asio::async_write(sock, asio::buffer(data.data(), data.size()),
                               asio::redirect_error(use_awaitable, ec));
    deadline.cancel();
    if (ec || *timed_out) {
        state_->closed = true;
        co_return false;
    }
    co_return true;
}
} // namespace

asio::awaitable<Response> HttpServer::dispatch(Request& req, const StringRequest& msg) {
    auto url = boost::urls::parse_origin_form(msg.target());
    if (!url) co_return error_response(400, "M_UNRECOGNIZED", "Malformed request target");
    req.path = std::string(url->encoded_path());
    std::vector<std::string> segments;
    for (auto seg : url->segments())
        segments.emplace_back(seg);
    for (auto p : url->params())
        req.query.emplace(p.key, p.has_value ? p.value : std::string());

    if (req.method == http::verb::options) {
        Response r;
        r.status = 204;
        r.content_type.clear();
        co_return r;
    }
    auto m = router_.match(req.method, segments, req);
    if (!m.handler) {
        if (m.path_known)
            co_return error_response(405, "M_UNRECOGNIZED", "Method not allowed for this endpoint");
        co_return error_response(404, "M_UNRECOGNIZED", "Unrecognized request");
    }
    std::optional<Response> out;
    try {
        out = co_await (*m.handler)(req);
    } catch (const MatrixError& e) {
        out = error_response(e.status(), e.errcode(), e.what(), &e.extra);
    } catch (const std::exception& e) {
        spdlog::error("{} {}: unhandled error: {}", http::to_string(req.method), req.path,
                      e.what());
        out = error_response(500, "M_UNKNOWN", "Internal server error");
    }
    co_return std::move(*out);
}

// After refusing a request whose body is still arriving, closing at once would make the kernel
// send RST, and the client could lose our error response before reading it. Half-close and
// drain what it still sends, for a bounded time and amount, as nginx's lingering close does.
asio::awaitable<void> HttpServer::linger_close(Connection& c) {
    boost::system::error_code ec;
    auto& sock = beast::get_lowest_layer(c.stream).socket();
    sock.shutdown(tcp::socket::shutdown_send, ec);
    c.stream.expires_after(std::chrono::seconds(2));
    std::array<char, 4096> sink;
    for (std::size_t total = 0; !ec && total < (1u << 20);)
        total += co_await c.stream.async_read_some(asio::buffer(sink),
                                                   asio::redirect_error(use_awaitable, ec));
}

// The outer loop only waits for the next request; everything a request needs lives in
// handle_request's frame, which exists only while a request is being served. An idle
// keep-alive connection therefore costs its socket, a timer and a small buffer.
asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> c) {
    boost::system::error_code ec;
    while (!stopping_) {
        if (c->buffer.size() == 0) {
            c->buffer.shrink_to_fit();
            c->stream.expires_after(limits_.idle_timeout);
            std::size_t n = co_await c->stream.async_read_some(
                c->buffer.prepare(512), asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            c->buffer.commit(n);
        }
        if (!co_await handle_request(*c)) break;
    }
    auto& sock = beast::get_lowest_layer(c->stream).socket();
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
}

// Reads, dispatches and answers one request. Returns whether the connection stays open.
asio::awaitable<bool> HttpServer::handle_request(Connection& c) {
    boost::system::error_code ec;
    auto& stream = c.stream;
    c.busy = true;
    auto started = std::chrono::steady_clock::now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser.body_limit(limits_.max_body_bytes);
    // One absolute deadline for the whole request: a client trickling bytes is cut off.
    stream.expires_after(limits_.request_timeout);
    co_await http::async_read_header(stream, c.buffer, parser,
                                     asio::redirect_error(use_awaitable, ec));
    if (!ec && parser.get()[http::field::expect] == "100-continue") {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        co_await http::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
    }
    if (!ec && !parser.is_done())
        co_await http::async_read(stream, c.buffer, parser,
                                  asio::redirect_error(use_awaitable, ec));

    std::optional<Response> early;
    if (ec == http::error::body_limit)
        early = error_response(413, "M_TOO_LARGE", "Request body too large");
    else if (ec == http::error::header_limit)
        early = error_response(431, "M_TOO_LARGE", "Request line or headers too large");
    else if (ec == beast::error::timeout)
        co_return false; // beast has already closed the socket: a slow client just loses it
    else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
             ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
        co_return false;
    else if (ec)
        early = error_response(400, "M_UNKNOWN", "Malformed HTTP request");
    if (early) {
        auto res = to_http(std::move(*early), false);
        stream.expires_after(limits_.write_timeout);
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
        spdlog::info("{} - {} (rejected before routing)", c.remote_ip, res.result_int());
        co_await linger_close(c);
        co_return false;
    }

    auto& msg = parser.get();
    Request req;
    req.method = msg.method();
    req.headers = &msg.base();
    req.body = std::move(msg.body());
    req.remote_ip = c.remote_ip;
    stream.expires_never(); // long-polls and streams wait as long as they need
    ConnectionStream body_stream(c.shared_from_this(), limits_.write_timeout, writer_.get());
    req.stream = &body_stream;
    Response r = co_await dispatch(req, msg);
    if (r.streamed) {
        // The handler wrote the whole response; its end is the connection's end.
        spdlog::info(
            "{} {} {} stream closed after {:.1f}s", c.remote_ip, http::to_string(req.method),
            req.path,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        co_return false;
    }
    bool keep_alive = msg.keep_alive() && !stopping_;
    auto res = to_http(std::move(r), keep_alive);
    stream.expires_after(limits_.write_timeout);
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    // Only the path is logged: the query string may carry an access token.
    spdlog::info("{} {} {} {} {:.1f}ms", c.remote_ip, http::to_string(req.method), req.path,
                 res.result_int(), ms);
    c.busy = false;
    co_return !ec && keep_alive;
}

} // namespace myelin::net
