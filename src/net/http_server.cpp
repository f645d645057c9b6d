#include "net/http_server.hpp"

#include "net/cors.hpp"
#include "net/response_stream.hpp"
#include "util/matrix_error.hpp"
#include "util/utf8.hpp"
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace myelin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;
using asio::ip::tcp;

struct HttpServer::Connection : std::enable_shared_from_this<HttpServer::Connection> {
    explicit Connection(tcp::socket s)
        : stream(std::move(s)) {}
    beast::tcp_stream stream;
    // Over `stream`, on a TLS listener.
    std::shared_ptr<asio::ssl::context> tls_context;
    std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls;
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
                     SocketWriter* writer, bool keep_alive)
        : c_(std::move(c))
        , write_timeout_(write_timeout)
        , writer_(writer)
        , keep_alive_(keep_alive) {}
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
    // The response declared its length and sent all of it: the connection can go on.
    bool reusable() const {
        return keep_alive_ && length_ && written_ == *length_ && !state_->closed;
    }

private:
    struct State {
        bool closed = false;
        std::function<void()>* on_close = nullptr;
    };
    // What a client may pipeline behind a pending response before it counts as misbehaving.
    static constexpr std::size_t kMaxPipelinedBytes = 64 * 1024;
    static void arm_close_watch(std::shared_ptr<State> state,
                                std::shared_ptr<HttpServer::Connection> conn);
    template <class Stream>
    asio::awaitable<bool> write_with_deadline(Stream& s, std::string_view data);
    std::shared_ptr<HttpServer::Connection> c_;
    std::chrono::seconds write_timeout_;
    SocketWriter* writer_; // null: every send() on the event loop
    std::shared_ptr<State> state_ = std::make_shared<State>();
    bool watching_ = false;
    bool keep_alive_;
    std::optional<std::uint64_t> length_; // Content-Length, when the handler gave one
    std::uint64_t written_ = 0;           // body bytes sent
    bool counting_ = false;               // past the header
};
} // namespace

HttpServer::HttpServer(asio::io_context& io, const Router& router, HttpLimits limits,
                       std::shared_ptr<asio::ssl::context> tls)
    : io_(io)
    , router_(router)
    , limits_(limits)
    , tls_(std::move(tls))
    , writer_(limits.send_thread ? std::make_unique<SocketWriter>() : nullptr)
    , acceptor_(io) {
    max_connections_ = limits.max_connections;
    if (max_connections_ == 0) {
        rlimit lim{};
        auto fds = getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 1024;
        max_connections_ =
            fds > 2 * HttpLimits::kReservedFds ? fds - HttpLimits::kReservedFds : fds / 2;
    }
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

HttpServer::~HttpServer() {
    if (spare_fd_ >= 0) ::close(spare_fd_);
}

bool HttpServer::admit(const std::string& ip) {
    if (connections_.size() >= max_connections_) return false;
    auto& n = per_address_[ip];
    // A trusted proxy carries everyone's connections: only the overall cap applies to it.
    const auto& proxies = limits_.trusted_proxies;
    bool proxy = std::find(proxies.begin(), proxies.end(), ip) != proxies.end();
    if (!proxy && n >= limits_.max_connections_per_address) return false;
    ++n;
    return true;
}

void HttpServer::release(const std::string& ip) {
    if (auto it = per_address_.find(ip); it != per_address_.end() && --it->second == 0)
        per_address_.erase(it);
}

asio::awaitable<void> HttpServer::shed_one() {
    boost::system::error_code ec;
    if (spare_fd_ >= 0) {
        ::close(spare_fd_);
        spare_fd_ = -1;
        tcp::socket s = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
        s.close(ec);
        spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    // No spare (or it could not be had back): back off briefly instead of spinning.
    asio::steady_timer t(io_, std::chrono::milliseconds(spare_fd_ >= 0 ? 1 : 50));
    co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
}

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
            spdlog::warn("accept failed: {}", ec.message());
            co_await shed_one(); // EMFILE and friends
            continue;
        }
        auto ip = sock.remote_endpoint(ec).address().to_string();
        if (ec || !admit(ip)) {
            // Over a limit: closed at once, before any byte is read (the client sees a reset
            // or end-of-file and may retry later).
            auto now = std::chrono::steady_clock::now();
            if (now - last_refusal_log_ >= std::chrono::seconds(1)) { // a flood logs once a second
                last_refusal_log_ = now;
                spdlog::warn("refusing connections: {} open, {} from {}", connections_.size(),
                             per_address_.count(ip) ? per_address_[ip] : 0, ip);
            }
            sock.close(ec);
            continue;
        }
        sock.set_option(tcp::no_delay(true), ec);
        auto c = std::make_shared<Connection>(std::move(sock));
        c->remote_ip = ip;
        if (tls_) {
            c->tls_context = tls_; // kept while the connection lives, across a reload
            c->tls = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(c->stream, *tls_);
        }
        connections_.push_back(c);
        auto it = std::prev(connections_.end());
        asio::co_spawn(io_, serve(c), [this, it, ip](std::exception_ptr) {
            connections_.erase(it);
            release(ip);
        });
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
    for (const auto& [k, v] : headers) {
        head.set(k, v);
        if (beast::iequals(k, "Content-Length")) {
            std::uint64_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec == std::errc() && p == v.data() + v.size()) length_ = n;
        }
    }
    // With a length the body's end is known, and the connection may carry another request;
    // without one (a stream of events) the body ends with the connection.
    head.keep_alive(keep_alive_ && length_);
    std::string text;
    {
        std::ostringstream os;
        os << head.base();
        text = os.str();
    }
    watch_close();
    bool ok = co_await write(text);
    counting_ = true;
    co_return ok;
}

// Watches the socket while a response is pending (a long-poll, a stream) to see the client go.
// Bytes that arrive meanwhile are a pipelined request: they are read into the connection's
// buffer, where the next turn of the connection loop finds them, and the watch goes on. (A
// watch that stopped at the first byte could no longer see the close behind it: a client that
// sent one byte and closed held its socket, in CLOSE_WAIT, until the long-poll's timeout.)
// End-of-file, an error, or more pipelined bytes than a request may have, end the response.
void ConnectionStream::watch_close() {
    if (watching_) return;
    watching_ = true;
    // Over TLS the bytes that would tell are records only the TLS stream may read, and a read
    // left pending would race the next request's: the peer's leaving is seen when a write
    // (an SSE heartbeat) fails instead.
    if (c_->tls) return;
    state_->on_close = &on_close;
    arm_close_watch(state_, c_);
}

void ConnectionStream::arm_close_watch(std::shared_ptr<State> state,
                                       std::shared_ptr<HttpServer::Connection> conn) {
    auto& socket = beast::get_lowest_layer(conn->stream).socket();
    socket.async_wait(tcp::socket::wait_read, [state, conn](boost::system::error_code ec) {
        if (state->closed) return; // the response is done; the connection loop reads now
        auto& sock = beast::get_lowest_layer(conn->stream).socket();
        bool gone = bool(ec) || conn->buffer.size() >= kMaxPipelinedBytes;
        if (!gone) {
            if (!sock.non_blocking()) sock.non_blocking(true, ec);
            auto room = kMaxPipelinedBytes - conn->buffer.size();
            std::size_t n = ec ? 0 : sock.read_some(conn->buffer.prepare(room), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
            gone = bool(ec); // eof included
            if (!gone) conn->buffer.commit(n);
        }
        if (!gone) return arm_close_watch(state, conn);
        state->closed = true;
        if (state->on_close && *state->on_close) (*state->on_close)();
    });
}

asio::awaitable<bool> ConnectionStream::write(std::string_view data) {
    if (state_->closed) co_return false;
    if (counting_) written_ += data.size();
    boost::system::error_code ec;
    auto& sock = beast::get_lowest_layer(c_->stream).socket();
    // Through TLS: no raw send() fast path and no writer thread (the TLS stream's state lives
    // on the loop).
    if (c_->tls) co_return co_await write_with_deadline(*c_->tls, data);
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
    co_return co_await write_with_deadline(sock, data);
}

// Writes all of `data` to `s` with our own deadline (beast's stream timer is shared with
// reads); false, and the stream closed, when it fails or the deadline passes.
template <class Stream>
asio::awaitable<bool> ConnectionStream::write_with_deadline(Stream& s, std::string_view data) {
    boost::system::error_code ec;
    asio::steady_timer deadline(s.get_executor());
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
    co_await asio::async_write(s, asio::buffer(data.data(), data.size()),
                               asio::redirect_error(use_awaitable, ec));
    deadline.cancel();
    if (ec || *timed_out) state_->closed = true;
    co_return !state_->closed;
}
} // namespace

std::string HttpServer::client_address(const std::string& peer,
                                       std::string_view forwarded_for) const {
    const auto& trusted = limits_.trusted_proxies;
    auto is_proxy = [&](std::string_view ip) {
        return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
    };
    if (forwarded_for.empty() || !is_proxy(peer)) return peer;
    // Each proxy appends the address it heard from: walk back over our own proxies.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        auto comma = rest.rfind(',');
        auto entry = rest.substr(comma == std::string_view::npos ? 0 : comma + 1);
        rest = rest.substr(0, comma == std::string_view::npos ? 0 : comma);
        while (!entry.empty() && entry.front() == ' ')
            entry.remove_prefix(1);
        while (!entry.empty() && entry.back() == ' ')
            entry.remove_suffix(1);
        boost::system::error_code ec;
        auto addr = asio::ip::make_address(entry, ec);
        if (ec) return peer; // not an address: the header cannot be trusted
        if (!is_proxy(addr.to_string())) return addr.to_string();
    }
    return peer;
}

std::optional<Response> HttpServer::route(Request& req, std::string_view target,
                                          Router::Match& m) const {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return error_response(400, errcode::unrecognized, "Malformed request target");
    req.path = std::string(url->encoded_path());
    req.target = std::string(target);
    // Decoded path segments and query values become ids, types and state keys that are stored
    // and later written into JSON: anything but valid UTF-8 without control characters is
    // refused here, before any handler sees it.
    std::vector<std::string> segments;
    for (auto seg : url->segments()) {
        if (!util::valid_path_text(seg))
            return error_response(400, errcode::invalid_param,
                                  "The request path is not valid UTF-8 text");
        segments.emplace_back(seg);
    }
    for (auto p : url->params()) {
        if (!util::valid_utf8(p.key) || !util::valid_utf8(p.value) ||
            p.value.find('\0') != std::string::npos)
            return error_response(400, errcode::invalid_param,
                                  "A query parameter is not valid UTF-8");
        req.query.emplace(p.key, p.has_value ? p.value : std::string());
    }

    if (req.method == http::verb::options) {
        Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
    }
    m = router_.match(req.method, segments, req);
    if (!m.handler) {
        if (m.path_known)
            return error_response(405, errcode::unrecognized,
                                  "Method not allowed for this endpoint");
        return error_response(404, errcode::unrecognized, "Unrecognized request");
    }
    req.route = *m.name;
    return std::nullopt;
}

asio::awaitable<Response> HttpServer::invoke(Request& req, const Router::Match& m) {
    std::optional<Response> out;
    try {
        out = co_await (*m.handler)(req);
    } catch (const MatrixError& e) {
        out = error_response(e.status(), e.errcode(), e.what(), &e.extra);
    } catch (const std::exception& e) {
        spdlog::error("{} {} [{}]: unhandled error: {}", http::to_string(req.method), req.path,
                      req.route, e.what());
        out = error_response(500, errcode::unknown, "Internal server error");
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
    if (c->tls) {
        c->stream.expires_after(limits_.request_timeout);
        co_await c->tls->async_handshake(asio::ssl::stream_base::server,
                                         asio::redirect_error(use_awaitable, ec));
        if (!ec) co_await serve_on(c, *c->tls);
    } else {
        co_await serve_on(c, c->stream);
    }
    auto& sock = beast::get_lowest_layer(c->stream).socket();
    sock.shutdown(tcp::socket::shutdown_send, ec);
    sock.close(ec);
}

template <class Stream>
asio::awaitable<void> HttpServer::serve_on(std::shared_ptr<Connection> c, Stream& io) {
    boost::system::error_code ec;
    while (!stopping_) {
        if (c->buffer.size() == 0) {
            c->buffer.shrink_to_fit();
            c->stream.expires_after(limits_.idle_timeout);
            std::size_t n = co_await io.async_read_some(c->buffer.prepare(512),
                                                        asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            c->buffer.commit(n);
        }
        if (!co_await handle_request(*c, io)) break;
    }
}

namespace {
// The body of a Body::streamed route, read piece by piece into the handler's buffer. Each
// piece has the request timeout to arrive: an upload may take long, but may not stall.
template <class Stream> class StreamedBody final : public BodyReader {
public:
    StreamedBody(Stream& io, beast::tcp_stream& stream, beast::flat_buffer& buffer,
                 http::request_parser<http::buffer_body>& parser, std::chrono::seconds timeout)
        : io_(io)
        , stream_(stream)
        , buffer_(buffer)
        , parser_(parser)
        , timeout_(timeout) {}

    // Fills `buf` (the last piece may be shorter): each piece costs the handler a hop to the
    // worker pool, and a socket read returns 64 KiB at most.
    asio::awaitable<std::size_t> read(char* buf, std::size_t n) override {
        std::size_t got = 0;
        while (got < n && !parser_.is_done()) {
            auto& body = parser_.get().body();
            body.data = buf + got;
            body.size = n - got;
            boost::system::error_code ec;
            stream_.expires_after(timeout_);
            co_await http::async_read_some(io_, buffer_, parser_,
                                           asio::redirect_error(use_awaitable, ec));
            stream_.expires_never();
            if (ec == http::error::need_buffer) ec = {};
            if (ec) {
                failed_ = true;
                throw std::runtime_error("the request body was cut short: " + ec.message());
            }
            got = n - parser_.get().body().size;
        }
        co_return got;
    }
    std::optional<std::uint64_t> content_length() const override {
        auto l = parser_.content_length();
        return l ? std::optional<std::uint64_t>(*l) : std::nullopt;
    }
    // Whether the connection can carry another request: the whole body was read.
    bool complete() const { return !failed_ && parser_.is_done(); }

private:
    Stream& io_;
    beast::tcp_stream& stream_; // its timer
    beast::flat_buffer& buffer_;
    http::request_parser<http::buffer_body>& parser_;
    std::chrono::seconds timeout_;
    bool failed_ = false;
};
} // namespace

// Reads, dispatches and answers one request. Returns whether the connection stays open.
template <class Stream>
asio::awaitable<bool> HttpServer::handle_request(Connection& c, Stream& io) {
    boost::system::error_code ec;
    auto& stream = c.stream; // its timer; the bytes go through `io`
    c.busy = true;
    auto started = std::chrono::steady_clock::now();
    // The header first: the route it names decides how the body is read.
    http::request_parser<http::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    head.body_limit(boost::none); // the route decides the limit, once it is known
    // One absolute deadline for the header and a buffered body: a client trickling bytes is
    // cut off.
    stream.expires_after(limits_.request_timeout);
    auto header_bytes = co_await http::async_read_header(io, c.buffer, head,
                                                         asio::redirect_error(use_awaitable, ec));
    // Beast checks its limit against the start line and the fields apart when the header came
    // in one read (up to twice the limit in all), and against the total when it came in pieces:
    // the total is what the limit means, however the bytes arrived (found by fuzzing).
    if (!ec && header_bytes > limits_.max_header_bytes) ec = http::error::header_limit;
    // RFC 9112 §6.1: a request whose last transfer coding is not chunked has no knowable
    // length. Read as "no body", its body would run as the next request: refused, and closed.
    bool bad_coding = !ec && head.get().count(http::field::transfer_encoding) && !head.chunked();
    if (bad_coding) ec = http::error::bad_transfer_encoding;

    if (ec) co_return co_await refuse(c, io, ec);

    Request req;
    Router::Match m;
    req.method = head.get().method();
    // An answer decided by the path alone (404, 405, 400), sent after the body is read.
    std::optional<Response> routed = route(req, head.get().target(), m);
    if (!routed && m.body == Body::streamed) {
        http::request_parser<http::buffer_body> parser{std::move(head)};
        parser.body_limit(boost::none); // the handler applies its own
        if (parser.get()[http::field::expect] == "100-continue") {
            http::response<http::empty_body> cont{http::status::continue_, 11};
            co_await http::async_write(io, cont, asio::redirect_error(use_awaitable, ec));
        }
        if (ec) co_return false;
        auto& msg = parser.get();
        req.headers = &msg.base();
        req.remote_ip = client_address(c.remote_ip, msg["X-Forwarded-For"]);
        stream.expires_never();
        StreamedBody<Stream> body(io, stream, c.buffer, parser, limits_.request_timeout);
        req.body_stream = &body;
        Response r = co_await invoke(req, m);
        // A body left unread (refused, or the handler stopped early) ends the connection: its
        // remaining bytes cannot be told from a next request without reading them all.
        bool keep_alive = body.complete() && msg.keep_alive() && !stopping_;
        bool open = co_await respond(c, io, req, std::move(r), keep_alive, started);
        if (!body.complete() && open) co_await linger_close(c);
        co_return open&& keep_alive;
    }

    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(limits_.max_body_bytes);
    // Beast checks a declared length against the limit only while it reads the header, which
    // the header parser above did without one: the declared length is checked here.
    if (auto declared = parser.content_length(); declared && *declared > limits_.max_body_bytes)
        co_return co_await refuse(c, io, http::error::body_limit);
    if (parser.get()[http::field::expect] == "100-continue") {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        co_await http::async_write(io, cont, asio::redirect_error(use_awaitable, ec));
    }
    if (!ec && !parser.is_done())
        co_await http::async_read(io, c.buffer, parser, asio::redirect_error(use_awaitable, ec));

    if (ec) co_return co_await refuse(c, io, ec);

    auto& msg = parser.get();
    req.headers = &msg.base();
    req.body = std::move(msg.body());
    req.remote_ip = client_address(c.remote_ip, msg["X-Forwarded-For"]);
    stream.expires_never(); // long-polls and streams wait as long as they need
    bool keep_alive = msg.keep_alive() && !stopping_;
    ConnectionStream response_stream(c.shared_from_this(), limits_.write_timeout, writer_.get(),
                                     keep_alive);
    req.stream = &response_stream;
    Response r;
    if (routed) // (not a conditional expression: GCC 12 miscompiles co_await inside one)
        r = std::move(*routed);
    else
        r = co_await invoke(req, m);
    if (r.streamed) keep_alive = keep_alive && response_stream.reusable() && !stopping_;
    bool open = co_await respond(c, io, req, std::move(r), keep_alive, started);
    co_return open&& keep_alive;
}

// A request that failed before its handler: the error it earns, or (the client is gone or
// timed out) nothing. Always ends the connection.
template <class Stream>
asio::awaitable<bool> HttpServer::refuse(Connection& c, Stream& io, boost::system::error_code ec) {
    std::optional<Response> early;
    if (ec == http::error::body_limit)
        early = error_response(413, errcode::too_large, "Request body too large");
    else if (ec == http::error::header_limit)
        early = error_response(431, errcode::too_large, "Request line or headers too large");
    else if (ec == beast::error::timeout)
        co_return false; // beast has already closed the socket: a slow client just loses it
    else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
             ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
        co_return false;
    else
        early = error_response(400, errcode::unknown, "Malformed HTTP request");
    auto res = to_http(std::move(*early), false);
    c.stream.expires_after(limits_.write_timeout);
    co_await http::async_write(io, res, asio::redirect_error(use_awaitable, ec));
    spdlog::info("{} - {} (rejected before routing)", c.remote_ip, res.result_int());
    co_await linger_close(c);
    co_return false;
}

// Writes the answer (or, for a handler that streamed its own, only logs it). Returns whether
// the write succeeded and the connection may carry more.
template <class Stream>
asio::awaitable<bool> HttpServer::respond(Connection& c, Stream& io, Request& req, Response r,
                                          bool keep_alive,
                                          std::chrono::steady_clock::time_point started) {
    if (r.streamed) {
        // The handler wrote the whole response; unless it had a length and sent all of it
        // (`keep_alive`), its end is the connection's end.
        spdlog::info(
            "{} {} {} stream {} after {:.1f}s [{}]", c.remote_ip, http::to_string(req.method),
            req.path, keep_alive ? "sent" : "closed",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
            req.route);
        c.busy = false;
        co_return keep_alive;
    }
    boost::system::error_code ec;
    auto res = to_http(std::move(r), keep_alive);
    c.stream.expires_after(limits_.write_timeout);
    co_await http::async_write(io, res, asio::redirect_error(use_awaitable, ec));
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    // Only the path is logged: the query string may carry an access token.
    // The route's pattern last, so logs can be grouped by endpoint.
    spdlog::info("{} {} {} {} {:.1f}ms [{}]", c.remote_ip, http::to_string(req.method), req.path,
                 res.result_int(), ms, req.route);
    c.busy = false;
    co_return !ec;
}

} // namespace myelin::net
