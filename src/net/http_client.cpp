#include "net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <openssl/ssl.h>

#include <charconv>

namespace myelin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct HttpClient::Tls {
    asio::ssl::context ctx{asio::ssl::context::tls_client};
};

// An open connection: TCP, and TLS over it for https.
struct HttpClient::Connection {
    std::string key; // what it may be used for again (pool_key)
    std::unique_ptr<beast::tcp_stream> tcp;
    std::unique_ptr<asio::ssl::stream<beast::tcp_stream&>> tls;
    Clock::time_point idle_since{};
};

HttpClient::HttpClient(asio::any_io_executor ex, HttpClientSettings settings)
    : ex_(std::move(ex))
    , settings_(std::move(settings))
    , tls_(std::make_unique<Tls>()) {
    tls_->ctx.set_default_verify_paths();
    if (!settings_.ca_file.empty()) tls_->ctx.load_verify_file(settings_.ca_file);
    tls_->ctx.set_verify_mode(asio::ssl::verify_peer);
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::take_idle(const std::string& key) {
    auto now = Clock::now();
    std::unique_ptr<Connection> found;
    for (auto it = idle_.begin(); it != idle_.end();) {
        if (now - (*it)->idle_since > kIdleLifetime) {
            it = idle_.erase(it); // closes it
        } else if (!found && (*it)->key == key) {
            found = std::move(*it);
            it = idle_.erase(it);
        } else {
            ++it;
        }
    }
    return found;
}

void HttpClient::keep_idle(std::unique_ptr<Connection> c) {
    c->idle_since = Clock::now();
    std::size_t same = 0;
    for (const auto& x : idle_)
        same += x->key == c->key;
    if (same >= kIdlePerDestination) return; // closed
    idle_.push_back(std::move(c));
    while (idle_.size() > kIdleTotal)
        idle_.pop_front(); // the longest idle goes
}

namespace {

// Where one hop goes, from its URL.
struct Target {
    bool tls = false;
    std::string host; // as resolved (an IPv6 literal without brackets)
    unsigned short port = 0;
    std::string host_header;
    std::string path; // with the query
    bool literal = false;
    std::string connect_host; // where to connect, when not `host`
    bool connect_literal = false;
};

// host:port (an IPv6 literal in brackets) into `t`'s connection fields.
void connect_override(Target& t, const std::string& host_port) {
    auto bad = [&] { return FetchError(FetchFailure::bad_url, "not a host:port: " + host_port); };
    std::string host = host_port;
    unsigned port = t.port;
    auto colon = host_port.rfind(':');
    bool bracketed = !host_port.empty() && host_port.front() == '[';
    if (colon != std::string::npos && (!bracketed || host_port[colon - 1] == ']')) {
        host = host_port.substr(0, colon);
        auto p = host_port.substr(colon + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
            throw bad();
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) throw bad();
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    t.connect_host = host;
    t.connect_literal = !ec;
    t.port = static_cast<unsigned short>(port);
}

Target target_of(const boost::urls::url_view& u) {
    auto bad = [&](const std::string& why) {
        return FetchError(FetchFailure::bad_url, why + ": " + std::string(u.buffer()));
    };
    Target t;
    if (u.scheme_id() == boost::urls::scheme::https)
        t.tls = true;
    else if (u.scheme_id() != boost::urls::scheme::http)
        throw bad("only http and https URLs can be fetched");
    if (u.has_userinfo()) throw bad("credentials in the URL are not sent");
    switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
        t.host = u.host_ipv4_address().to_string();
        t.literal = true;
        break;
    case boost::urls::host_type::ipv6:
        t.host = u.host_ipv6_address().to_string();
        t.literal = true;
        break;
    case boost::urls::host_type::name:
        t.host = u.host_name();
        break;
    default:
        throw bad("the URL has no host this client can reach");
    }
    if (t.host.empty()) throw bad("the URL has no host");
    if (u.has_port()) {
        if (u.port_number() == 0) throw bad("bad port");
        t.port = u.port_number();
    } else {
        t.port = t.tls ? 443 : 80;
    }
    t.host_header = std::string(u.encoded_host_and_port());
    t.path = std::string(u.encoded_target());
    if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
    return t;
}

FetchError failure_of(const boost::system::system_error& e, const char* during) {
    auto ec = e.code();
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
        return FetchError(FetchFailure::timeout, std::string("timed out ") + during);
    if (ec == bhttp::error::body_limit)
        return FetchError(FetchFailure::too_large, "the response is larger than allowed");
    // Beast's HTTP errors: what came back does not parse as HTTP.
    if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category())
        return FetchError(FetchFailure::bad_response,
                          std::string("not an HTTP response (") + ec.message() + ")");
    return FetchError(FetchFailure::unreachable, std::string(during) + ": " + ec.message());
}

// Resolves with the deadline: the resolver cannot be given one, so a timer cancels it.
asio::awaitable<std::vector<tcp::endpoint>> resolve(const Target& t, Clock::time_point deadline) {
    std::vector<tcp::endpoint> out;
    const std::string& host = t.connect_host.empty() ? t.host : t.connect_host;
    bool literal = t.connect_host.empty() ? t.literal : t.connect_literal;
    if (literal) {
        out.emplace_back(asio::ip::make_address(host), t.port);
        co_return out;
    }
    auto ex = co_await asio::this_coro::executor;
    auto resolver = std::make_shared<tcp::resolver>(ex);
    asio::steady_timer timer(ex, deadline);
    timer.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](boost::system::error_code ec) {
        if (ec) return;
        if (auto r = weak.lock()) r->cancel();
    });
    try {
        auto results =
            co_await resolver->async_resolve(host, std::to_string(t.port), asio::use_awaitable);
        for (const auto& r : results)
            out.push_back(r.endpoint());
    } catch (const boost::system::system_error& e) {
        timer.cancel();
        if (e.code() == asio::error::operation_aborted)
            throw FetchError(FetchFailure::timeout, "timed out resolving " + host);
        throw FetchError(FetchFailure::unreachable, "cannot resolve " + host);
    }
    timer.cancel();
    co_return out;
}

// A kept connection the server closed meanwhile: the request is sent again on a new one.
struct StaleConnection {};

bool stale(const boost::system::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == bhttp::error::end_of_stream ||
           ec == asio::ssl::error::stream_truncated;
}

struct Exchanged {
    FetchResult result;
    bool reusable = false; // the answer was whole and the server keeps the connection
};

// One request and its answer over `s`. `reused`: the connection served an earlier request, so
// a close before any answer means it went stale (StaleConnection), not that the server failed.
template <class Stream>
asio::awaitable<Exchanged> exchange(Stream& s, const Target& t, const FetchRequest& req,
                                    const HttpClientSettings& settings, bool reused) {
    bhttp::request<bhttp::string_body> r{bhttp::string_to_verb(req.method), t.path, 11};
    if (r.method() == bhttp::verb::unknown)
        throw FetchError(FetchFailure::bad_url, "unknown method " + req.method);
    r.set(bhttp::field::host, t.host_header);
    r.set(bhttp::field::user_agent, settings.user_agent);
    r.set(bhttp::field::accept_encoding, "identity");
    for (const auto& [k, v] : req.headers)
        r.insert(k, v); // insert: a header may repeat (Authorization: X-Matrix, one per key)
    if (!req.body.empty()) {
        r.set(bhttp::field::content_type, req.content_type);
        r.body() = req.body;
    }
    r.prepare_payload();
    try {
        co_await bhttp::async_write(s, r, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        if (reused && stale(e.code())) throw StaleConnection{};
        throw failure_of(e, "sending the request");
    }
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> p;
    p.header_limit(32 * 1024);
    p.body_limit(req.max_body_bytes);
    try {
        co_await bhttp::async_read(s, buf, p, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        if (reused && !p.got_some() && stale(e.code())) throw StaleConnection{};
        throw failure_of(e, "reading the response");
    }
    auto& m = p.get();
    Exchanged ex;
    // Bytes past the answer would be a confused server: such a connection is not kept.
    ex.reusable = m.keep_alive() && p.is_done() && buf.size() == 0;
    FetchResult& out = ex.result;
    out.status = m.result_int();
    out.content_type = std::string(m[bhttp::field::content_type]);
    out.location = std::string(m[bhttp::field::location]);
    out.cache_control = std::string(m[bhttp::field::cache_control]);
    out.body = std::move(m.body());
    co_return ex;
}

} // namespace

namespace {
// Which kept connection a request may use: the same scheme, name (SNI, certificate, Host)
// and address to connect to.
std::string pool_key(const Target& t) {
    return std::string(t.tls ? "https " : "http ") + t.host + " " +
           (t.connect_host.empty() ? t.host : t.connect_host) + ":" + std::to_string(t.port);
}

// A new connection (TLS handshake done) to a permitted address of `t`.
asio::awaitable<std::unique_ptr<HttpClient::Connection>>
open(asio::any_io_executor ex, asio::ssl::context& ctx, const DestinationPolicy& policy,
     const Target& t, Clock::time_point deadline) {
    auto endpoints = co_await resolve(t, deadline);
    std::vector<tcp::endpoint> permitted;
    for (const auto& e : endpoints)
        if (policy.permits(e.address())) permitted.push_back(e);
    if (permitted.empty())
        throw FetchError(FetchFailure::refused,
                         endpoints.empty() ? "cannot resolve " + t.host
                                           : "the destination " + t.host +
                                                 " is in a range this server does not reach");
    auto c = std::make_unique<HttpClient::Connection>();
    c->tcp = std::make_unique<beast::tcp_stream>(ex);
    c->tcp->expires_at(deadline);
    try {
        co_await c->tcp->async_connect(permitted, asio::use_awaitable);
    } catch (const boost::system::system_error& e) {
        throw failure_of(e, ("connecting to " + t.host).c_str());
    }
    if (t.tls) {
        c->tls = std::make_unique<asio::ssl::stream<beast::tcp_stream&>>(*c->tcp, ctx);
        if (!t.literal) SSL_set_tlsext_host_name(c->tls->native_handle(), t.host.c_str());
        c->tls->set_verify_callback(asio::ssl::host_name_verification(t.host));
        try {
            co_await c->tls->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
        } catch (const boost::system::system_error& e) {
            throw failure_of(e, ("TLS with " + t.host).c_str());
        }
    }
    co_return c;
}

asio::awaitable<Exchanged> exchange_on(HttpClient::Connection& c, const Target& t,
                                       const FetchRequest& req, const HttpClientSettings& settings,
                                       Clock::time_point deadline, bool reused) {
    c.tcp->expires_at(deadline);
    if (c.tls) co_return co_await exchange(*c.tls, t, req, settings, reused);
    co_return co_await exchange(*c.tcp, t, req, settings, reused);
}
} // namespace

asio::awaitable<FetchResult> HttpClient::request(const FetchRequest& req) {
    auto deadline = Clock::now() + req.timeout;
    auto parsed = boost::urls::parse_uri(req.url);
    if (!parsed) throw FetchError(FetchFailure::bad_url, "not a URL: " + req.url);
    boost::urls::url url(*parsed);
    url.remove_fragment();
    for (int hop = 0;; ++hop) {
        auto t = target_of(url);
        if (hop == 0 && !req.connect_to.empty()) connect_override(t, req.connect_to);
        auto key = pool_key(t);
        // An open connection to the same place first: its address passed the policy when it
        // was connected, and a connection cannot move.
        auto c = take_idle(key);
        Exchanged ex;
        bool fresh_needed = !c;
        if (c) {
            try {
                ex = co_await exchange_on(*c, t, req, settings_, deadline, true);
            } catch (const StaleConnection&) {
                fresh_needed = true; // (a coroutine cannot co_await inside its catch)
            }
        }
        if (fresh_needed) {
            c = co_await open(ex_, tls_->ctx, settings_.policy, t, deadline);
            ex = co_await exchange_on(*c, t, req, settings_, deadline, false);
        }
        if (ex.reusable) {
            c->key = key;
            keep_idle(std::move(c));
        }
        FetchResult res = std::move(ex.result);
        bool redirect = res.status == 301 || res.status == 302 || res.status == 303 ||
                        res.status == 307 || res.status == 308;
        if (!redirect) {
            res.url = std::string(url.buffer());
            co_return res;
        }
        if (hop >= req.max_redirects)
            throw FetchError(FetchFailure::bad_response, "too many redirects");
        auto location = boost::urls::parse_uri_reference(res.location);
        if (!location || res.location.empty())
            throw FetchError(FetchFailure::bad_response, "a redirect without a usable Location");
        boost::urls::url next = url;
        if (!next.resolve(*location))
            throw FetchError(FetchFailure::bad_response, "a redirect without a usable Location");
        next.remove_fragment();
        url = std::move(next);
    }
}

} // namespace myelin::net
