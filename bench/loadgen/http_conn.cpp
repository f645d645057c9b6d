#include "http_conn.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <netinet/in.h>

namespace loadgen {

namespace {
using boost::system::error_code;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Every connection, for the watchdog (one io thread, so no locking).
std::vector<HttpConn*>& registry() {
    static std::vector<HttpConn*> all;
    return all;
}

// Lets the kernel pick the source port at connect() time from the full 4-tuple, instead of
// reserving one at bind() time: without it, binding caps us at one port range in total.
#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
using bind_no_port = asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>;

char* read_buffer(std::size_t& size) {
    static thread_local std::vector<char> buf(256 * 1024);
    size = buf.size();
    return buf.data();
}
} // namespace

HttpConn::HttpConn(asio::any_io_executor ex, const Target& target, Traffic& traffic,
                   std::size_t seq)
    : sock_(ex)
    , target_(target)
    , traffic_(traffic)
    , seq_(seq) {
    registry_index_ = registry().size();
    registry().push_back(this);
}

HttpConn::~HttpConn() {
    auto& r = registry();
    r[registry_index_] = r.back();
    r[registry_index_]->registry_index_ = registry_index_;
    r.pop_back();
}

void HttpConn::close() {
    error_code ec;
    sock_.close(ec);
    pending_.clear();
}

void HttpConn::sweep(Clock::time_point now) {
    for (auto* c : registry())
        if (c->waiting_ && c->read_timeout_.count() > 0 && c->sock_.is_open() &&
            now - c->last_read_ > c->read_timeout_) {
            c->timed_out_ = true;
            c->close();
        }
}

asio::awaitable<error_code> HttpConn::connect() {
    error_code ec;
    sock_.open(target_.server.protocol(), ec);
    if (ec) co_return ec;
    if (!target_.sources.empty()) {
        sock_.set_option(bind_no_port(true), ec); // best effort: old kernels lack it
        sock_.bind(tcp::endpoint(target_.sources[seq_ % target_.sources.size()], 0), ec);
        if (ec) {
            close();
            co_return ec;
        }
    }
    auto [cec] = co_await sock_.async_connect(target_.server, tuple_awaitable);
    if (cec) {
        close();
        co_return cec;
    }
    sock_.set_option(tcp::no_delay(true), ec);
    sock_.non_blocking(true, ec);
    ++traffic_.connects;
    pending_.clear();
    co_return error_code{};
}

bool HttpConn::feed(ResponseParser& p, const char* data, std::size_t n, error_code& ec) {
    std::string_view in(data, n);
    if (!pending_.empty()) {
        pending_.append(data, n);
        in = pending_;
    }
    std::size_t used = 0;
    while (used < in.size() && !p.is_done()) {
        std::size_t got = p.put(asio::buffer(in.data() + used, in.size() - used), ec);
        used += got;
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            break;
        }
        if (ec) return false;
        if (got == 0) break;
    }
    // What is left is a partial header or chunk line (or bytes after the response).
    std::string rest(in.substr(used));
    pending_ = std::move(rest);
    return true;
}

asio::awaitable<HttpResult> HttpConn::exchange(const std::string& request, BodySink* sink) {
    HttpResult r;
    timed_out_ = false;
    bool reused = sock_.is_open();
    bool got_bytes = false;
    if (!sock_.is_open()) {
        r.ec = co_await connect();
        if (r.ec) co_return r;
    }
    auto [wec, written] = co_await asio::async_write(sock_, asio::buffer(request), tuple_awaitable);
    traffic_.bytes_out += written;
    if (wec) {
        close();
        r.ec = wec;
        r.stale = reused;
        co_return r;
    }
    ++traffic_.requests;

    ResponseParser parser(sink, r.body);
    waiting_ = true;
    last_read_ = Clock::now();
    struct Done { // clears `waiting_` on every way out
        bool& w;
        ~Done() { w = false; }
    } done{waiting_};
    error_code ec;
    if (!pending_.empty()) feed(parser, nullptr, 0, ec);
    while (!ec && !parser.is_done()) {
        auto [aec] = co_await sock_.async_wait(tcp::socket::wait_read, tuple_awaitable);
        if (aec || !sock_.is_open()) {
            ec = timed_out_ ? asio::error::timed_out : (aec ? aec : asio::error::operation_aborted);
            break;
        }
        // Drain what is readable now, but give other connections a turn after 1 MiB.
        for (std::size_t total = 0; !ec && !parser.is_done() && total < (1u << 20);) {
            std::size_t cap = 0;
            char* buf = read_buffer(cap);
            std::size_t n = sock_.read_some(asio::buffer(buf, cap), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                ec = {};
                break;
            }
            if (ec == asio::error::eof) {
                // A body that runs to the end of the connection (an SSE stream) ends here.
                ec = {};
                // (Beast asserts if put_eof comes before any byte of the response.)
                if (!parser.is_done() && parser.got_some()) parser.put_eof(ec);
                if (!ec && !parser.is_done()) ec = asio::error::eof;
                close();
                break;
            }
            if (ec) break;
            traffic_.bytes_in += n;
            got_bytes = true;
            last_read_ = Clock::now();
            total += n;
            feed(parser, buf, n, ec);
        }
    }
    if (ec) {
        close();
        r.ec = ec;
        r.stale = reused && !got_bytes && ec != asio::error::timed_out;
        co_return r;
    }
    r.status = parser.status();
    r.retry_after_ms = parser.retry_after_ms();
    if (!parser.keep_alive()) close();
    co_return r;
}

std::string format_request(std::string_view method, std::string_view target, const Target& t,
                           std::string_view token, std::string_view body,
                           std::string_view extra_headers) {
    std::string s;
    s.reserve(160 + target.size() + token.size() + body.size() + extra_headers.size());
    s.append(method).append(" ").append(t.base_path).append(target).append(" HTTP/1.1\r\n");
    s.append("Host: ").append(t.host_header).append("\r\n");
    if (!token.empty()) s.append("Authorization: Bearer ").append(token).append("\r\n");
    s.append(extra_headers);
    if (!body.empty() || method == "POST" || method == "PUT") {
        s.append("Content-Type: application/json\r\nContent-Length: ")
            .append(std::to_string(body.size()))
            .append("\r\n");
    }
    s.append("\r\n").append(body);
    return s;
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

} // namespace loadgen
