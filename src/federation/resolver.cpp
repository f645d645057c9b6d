#include "federation/resolver.hpp"

#include "federation/server_name.hpp"
#include "federation/srv_lookup.hpp"
#include "util/matrix_error.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <spdlog/spdlog.h>

namespace myelin::federation {

using boost::asio::awaitable;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kWellKnownDefault = std::chrono::hours(24);
constexpr auto kWellKnownMax = std::chrono::hours(48);
constexpr auto kWellKnownError = std::chrono::hours(1);

std::string with_port(const std::string& host, unsigned short port) {
    return host + ":" + std::to_string(port);
}

// max-age of a Cache-Control value, if it has one.
std::optional<std::chrono::seconds> max_age(std::string_view cache_control) {
    auto at = cache_control.find("max-age=");
    if (at == std::string_view::npos) return std::nullopt;
    long long v = 0;
    auto s = cache_control.substr(at + 8);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || v < 0) return std::nullopt;
    return std::chrono::seconds(v);
}

auto srv_on_pool(util::BlockingPool& pool, std::string name) {
    return pool.run([name = std::move(name)] { return srv_lookup(name); });
}
} // namespace

Resolver::Resolver(const FederationSettings& settings, net::HttpClient& http,
                   util::BlockingPool& pool)
    : settings_(settings)
    , http_(http)
    , pool_(pool) {}

awaitable<Destination> Resolver::resolve(const std::string& server_name) {
    auto name = parse_server_name(server_name);
    if (!name) throw invalid_param("Not a server name: " + server_name);
    Destination d{"https://" + server_name, ""};
    if (auto it = settings_.hosts.find(server_name); it != settings_.hosts.end()) {
        d.connect_to = it->second;
        co_return d;
    }
    if (name->ip_literal || name->port) {
        d.connect_to = with_port(name->host, name->port.value_or(8448));
        co_return d;
    }
    if (auto delegated = co_await well_known(name->host)) {
        auto to = parse_server_name(*delegated);
        if (to) {
            d.base_url = "https://" + *delegated;
            if (to->ip_literal || to->port) {
                d.connect_to = with_port(to->host, to->port.value_or(8448));
                co_return d;
            }
            auto target = co_await srv(to->host);
            d.connect_to = target ? *target : with_port(to->host, 8448);
            co_return d;
        }
    }
    auto target = co_await srv(name->host);
    d.connect_to = target ? *target : with_port(name->host, 8448);
    co_return d;
}

awaitable<std::optional<std::string>> Resolver::well_known(const std::string& host) {
    auto now = Clock::now();
    if (auto it = well_known_.find(host); it != well_known_.end() && it->second.expires > now)
        co_return it->second.server;
    std::optional<std::string> server;
    Clock::duration ttl = kWellKnownError;
    net::FetchRequest req;
    req.url = "https://" + host + "/.well-known/matrix/server";
    req.max_body_bytes = 64 * 1024;
    req.timeout = std::chrono::seconds(10);
    try {
        auto r = co_await http_.request(req);
        if (r.status == 200) {
            boost::system::error_code ec;
            auto v = boost::json::parse(r.body, ec);
            const auto* m = !ec && v.is_object() ? v.as_object().if_contains("m.server") : nullptr;
            if (m && m->is_string() && parse_server_name(m->as_string())) {
                server = std::string(m->as_string());
                ttl = std::min<Clock::duration>(
                    max_age(r.cache_control).value_or(kWellKnownDefault), kWellKnownMax);
            }
        }
    } catch (const net::FetchError& e) {
        spdlog::debug("well-known of {}: {}", host, e.what());
    }
    well_known_[host] = Cached{server, now + ttl};
    co_return server;
}

awaitable<std::optional<std::string>> Resolver::srv(const std::string& host) {
    for (const char* service : {"_matrix-fed._tcp.", "_matrix._tcp."}) {
        auto records = co_await srv_on_pool(pool_, service + host);
        if (!records.empty()) co_return with_port(records.front().host, records.front().port);
    }
    co_return std::nullopt;
}

} // namespace myelin::federation
