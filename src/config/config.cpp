#include "config/config.hpp"

#include <filesystem>

#include <stdexcept>
#include <toml++/toml.h>

namespace myelin {

RegistrationMode parse_registration_mode(std::string_view s) {
    if (s == "open") return RegistrationMode::open;
    if (s == "token") return RegistrationMode::token;
    if (s == "closed") return RegistrationMode::closed;
    throw std::runtime_error("registration must be open, token or closed");
}

void parse_listen(Config& cfg, std::string_view s) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) throw std::runtime_error("listen must be HOST:PORT");
    std::string host(s.substr(0, colon));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = std::stoi(std::string(s.substr(colon + 1)));
    if (port < 0 || port > 65535) throw std::runtime_error("listen port out of range");
    cfg.listen_host = host;
    cfg.listen_port = static_cast<unsigned short>(port);
}

namespace {

template <class T> void get(const toml::table& t, std::string_view key, T& out) {
    auto node = t.at_path(key);
    if (!node) return;
    if (auto v = node.value<T>()) {
        out = *v;
        return;
    }
    throw std::runtime_error("config key '" + std::string(key) + "' has the wrong type");
}

// A count or a duration that must be positive.
template <class T> void get_positive(const toml::table& t, std::string_view key, T& out) {
    get(t, key, out);
    if (out < 1) throw std::runtime_error(std::string(key) + " must be at least 1");
}

void get_rate(const toml::table& t, const std::string& prefix, RateLimit& r) {
    get(t, prefix + ".enabled", r.enabled);
    get(t, prefix + ".per_second", r.per_second);
    get(t, prefix + ".burst", r.burst);
}

void get_strings(const toml::table& t, std::string_view key, std::vector<std::string>& out) {
    auto node = t.at_path(key);
    if (!node) return;
    auto* list = node.as_array();
    if (!list) throw std::runtime_error(std::string(key) + " must be a list of strings");
    out.clear();
    for (const auto& item : *list) {
        auto v = item.value<std::string>();
        if (!v) throw std::runtime_error(std::string(key) + " must be a list of strings");
        out.push_back(*v);
    }
}

void load_federation(const toml::table& t, federation::FederationSettings& f) {
    get(t, "federation.enabled", f.enabled);
    if (auto l = t.at_path("federation.listen").value<std::string>()) {
        Config tmp;
        parse_listen(tmp, *l);
        f.listen_host = tmp.listen_host;
        f.listen_port = tmp.listen_port;
    }
    get(t, "federation.tls_certificate", f.tls_certificate);
    get(t, "federation.tls_private_key", f.tls_private_key);
    get(t, "federation.trusted_ca", f.trusted_ca);
    get(t, "federation.allow_private_destinations", f.allow_private_destinations);
    get(t, "federation.well_known_server", f.well_known_server);
    get_strings(t, "federation.trusted_key_servers", f.trusted_key_servers);
    if (auto* hosts = t.at_path("federation.hosts").as_table()) {
        for (const auto& [name, target] : *hosts) {
            auto v = target.value<std::string>();
            if (!v)
                throw std::runtime_error("federation.hosts values must be \"host:port\" strings");
            f.hosts[std::string(name.str())] = *v;
        }
    }
    if (f.enabled && (f.tls_certificate.empty() || f.tls_private_key.empty()))
        throw std::runtime_error(
            "federation.enabled needs federation.tls_certificate and federation.tls_private_key");
}

void get_seconds(const toml::table& t, std::string_view key, std::chrono::seconds& out) {
    std::int64_t v = out.count();
    get(t, key, v);
    out = std::chrono::seconds(v);
}

} // namespace

void load_config_file(Config& cfg, const std::string& path) {
    toml::table t;
    try {
        t = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw std::runtime_error("cannot read config " + path + ": " +
                                 std::string(e.description()));
    }
    get(t, "server_name", cfg.server_name);
    if (auto l = t["listen"].value<std::string>()) parse_listen(cfg, *l);
    get(t, "database", cfg.database);
    get(t, "sqlite_synchronous", cfg.sqlite_synchronous);
    get(t, "database_threads", cfg.database_threads);
    if (cfg.database_threads < -1 || cfg.database_threads > 64)
        throw std::runtime_error("database_threads must be between 0 and 64 (or -1: default)");
    if (auto r = t["registration"].value<std::string>())
        cfg.registration = parse_registration_mode(*r);
    get(t, "public_baseurl", cfg.public_baseurl);
    if (auto c = t["password_hash_cost"].value<std::string>())
        cfg.password_hash_cost = account::parse_hash_cost(*c);
    get(t, "log_level", cfg.log_level);
    std::int64_t workers = static_cast<std::int64_t>(cfg.worker_threads);
    get(t, "worker_threads", workers);
    cfg.worker_threads = static_cast<std::size_t>(std::max<std::int64_t>(1, workers));
    get(t, "sse.heartbeat_interval_s", cfg.sse_heartbeat_s);
    if (cfg.sse_heartbeat_s < 1 || cfg.sse_heartbeat_s > 3600)
        throw std::runtime_error("sse.heartbeat_interval_s must be between 1 and 3600");
    get(t, "sse.allow_query_token", cfg.sse_allow_query_token);
    get(t, "sse.gzip", cfg.sync_gzip);
    get(t, "sse.max_streams_per_device", cfg.sse_max_streams_per_device);
    get(t, "sse.max_streams_per_user", cfg.sse_max_streams_per_user);
    get_positive(t, "sync.max_timeout_s", cfg.sync_max_timeout_s);
    get(t, "sync.max_longpolls_per_device", cfg.sync_max_longpolls_per_device);
    get(t, "sync.max_longpolls_per_user", cfg.sync_max_longpolls_per_user);
    get_positive(t, "to_device.max_pending_per_device", cfg.to_device_max_pending);
    get_positive(t, "to_device.max_pending_bytes_per_device", cfg.to_device_max_pending_bytes);
    get(t, "metrics.enabled", cfg.metrics_enabled);
    get_positive(t, "metrics.loop_lag_interval_ms", cfg.loop_lag_interval_ms);
    get(t, "presence.enabled", cfg.presence_enabled);
    get_positive(t, "presence.offline_after_s", cfg.presence_offline_after_s);
    get(t, "media.path", cfg.media_path);
    get_positive(t, "media.max_upload_bytes", cfg.media_max_upload_bytes);
    get_positive(t, "media.max_image_pixels", cfg.media_max_image_pixels);
    get_positive(t, "media.thumbnail_timeout_ms", cfg.media_thumbnail_timeout_ms);
    get(t, "media.unauthenticated", cfg.media_unauthenticated);
    get(t, "media.max_bytes_per_user", cfg.media_max_bytes_per_user);
    get_rate(t, "rate_limit.media_upload", cfg.media_upload_rate_limit);
    if (cfg.media_unauthenticated != "frozen" && cfg.media_unauthenticated != "on")
        throw std::runtime_error("media.unauthenticated must be \"frozen\" or \"on\"");
    get_rate(t, "rate_limit.login", cfg.login_rate_limit);
    get_rate(t, "rate_limit.register", cfg.register_rate_limit);
    get_rate(t, "rate_limit.failed_password", cfg.failed_password_rate_limit);
    get_strings(t, "http.trusted_proxies", cfg.http.trusted_proxies);
    get(t, "http.tls_certificate", cfg.http_tls_certificate);
    get(t, "http.tls_private_key", cfg.http_tls_private_key);
    if (cfg.http_tls_certificate.empty() != cfg.http_tls_private_key.empty())
        throw std::runtime_error("http.tls_certificate and http.tls_private_key go together");
    load_federation(t, cfg.federation);
    auto& up = cfg.url_preview;
    get(t, "url_preview.enabled", up.enabled);
    get_strings(t, "url_preview.ip_range_denylist", up.ip_range_denylist);
    get_strings(t, "url_preview.ip_range_allowlist", up.ip_range_allowlist);
    get_positive(t, "url_preview.max_page_bytes", up.max_page_bytes);
    get_positive(t, "url_preview.timeout_ms", up.timeout_ms);
    get(t, "url_preview.cache_ms", up.cache_ms);
    get(t, "url_preview.ca_file", up.ca_file);
    get(t, "url_preview.user_agent", up.user_agent);
    get_rate(t, "rate_limit.url_preview", up.rate);
    std::int64_t body = static_cast<std::int64_t>(cfg.http.max_body_bytes);
    std::int64_t header = static_cast<std::int64_t>(cfg.http.max_header_bytes);
    get(t, "http.max_body_bytes", body);
    get(t, "http.max_header_bytes", header);
    cfg.http.max_body_bytes = static_cast<std::size_t>(body);
    cfg.http.max_header_bytes = static_cast<std::size_t>(header);
    std::int64_t conns = static_cast<std::int64_t>(cfg.http.max_connections);
    std::int64_t per_address = static_cast<std::int64_t>(cfg.http.max_connections_per_address);
    get(t, "http.max_connections", conns);
    get(t, "http.max_connections_per_address", per_address);
    if (conns < 0 || per_address < 1)
        throw std::runtime_error("http.max_connections must be >= 0 and "
                                 "http.max_connections_per_address >= 1");
    cfg.http.max_connections = static_cast<std::size_t>(conns);
    cfg.http.max_connections_per_address = static_cast<std::size_t>(per_address);
    get_seconds(t, "http.idle_timeout_s", cfg.http.idle_timeout);
    get_seconds(t, "http.request_timeout_s", cfg.http.request_timeout);
    get_seconds(t, "http.write_timeout_s", cfg.http.write_timeout);
    get(t, "http.send_thread", cfg.http.send_thread);
}

std::string Config::media_directory() const {
    if (!media_path.empty()) return media_path;
    constexpr std::string_view sqlite = "sqlite:";
    if (database.rfind(sqlite, 0) == 0) {
        auto file = std::filesystem::path(database.substr(sqlite.size()));
        return (file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path()) /
               "media";
    }
    return "./data/media";
}

media::MediaSettings Config::media_settings() const {
    media::MediaSettings m;
    m.server_name = server_name;
    m.dir = media_directory();
    m.max_upload_bytes = media_max_upload_bytes;
    m.thumbnails.max_pixels = media_max_image_pixels;
    m.thumbnails.timeout = std::chrono::milliseconds(media_thumbnail_timeout_ms);
    m.unauthenticated_all = media_unauthenticated == "on";
    m.max_bytes_per_user = media_max_bytes_per_user;
    m.upload_rate = media_upload_rate_limit;
    m.url_preview = url_preview;
    return m;
}

const char* config_keys_help() {
    return R"(Config file (TOML) keys, all optional; command-line flags override them:
  server_name = "localhost"            the Matrix server name in user and room ids
  listen = "127.0.0.1:8008"            address and port to listen on
  database = "sqlite:./data/myelin.db" database URL
  sqlite_synchronous = "full"          "full" (durable across power loss) or "normal"
  database_threads = -1                threads with their own connection that run sync reads
                                       off the event loop; -1: 4 on PostgreSQL, 0 on SQLite
  registration = "open"                open | token | closed
  public_baseurl = ""                  base URL advertised in /.well-known/matrix/client
  password_hash_cost = "interactive"   argon2id cost: min | interactive | moderate
  log_level = "info"                   trace | debug | info | warn | error
  worker_threads = 2                   threads for password hashing
  [rate_limit.login]                   per client address: enabled = true,
  [rate_limit.register]                  per_second = 0.5, burst = 10 (register also
                                         covers /register/available and token validity)
  [rate_limit.failed_password]         wrong passwords per account: per_second = 0.17, burst = 5
  [rate_limit.media_upload]            uploads per user: per_second = 1, burst = 50
  [rate_limit.url_preview]             pages fetched per user: per_second = 1, burst = 10
  [sse]   heartbeat_interval_s = 5, allow_query_token = true,
          max_streams_per_device = 4, max_streams_per_user = 20,
          gzip = true (also /sync, for clients sending Accept-Encoding: gzip)
  [sync]  max_timeout_s = 180 (a longer long-poll timeout is cut to this),
          max_longpolls_per_device = 4, max_longpolls_per_user = 50
  [http]  max_body_bytes = 1048576, max_header_bytes = 16384,
          idle_timeout_s = 75, request_timeout_s = 30, write_timeout_s = 60,
          send_thread = true (a fan-out's socket writes on a second thread),
          max_connections = 0 (0: the descriptor limit less 256),
          max_connections_per_address = 4096,
          trusted_proxies = [] (addresses whose X-Forwarded-For names the client)
  [presence] enabled = true, offline_after_s = 30
  [media] path = "" (where uploaded files are kept; empty: "media" beside a SQLite
          database, ./data/media otherwise), max_upload_bytes = 52428800,
          max_image_pixels = 32000000 (larger images get no thumbnail),
          thumbnail_timeout_ms = 10000, unauthenticated = "frozen" (the deprecated
          /_matrix/media/v3 downloads serve media from before the first start with
          "frozen" only; "on": everything, for old clients), max_bytes_per_user = 0
          (a quota per user; 0: none)
  [url_preview] enabled = true, ip_range_denylist = [] (refused besides loopback, private,
          link-local, multicast and the other special ranges, always refused),
          ip_range_allowlist = [] (allowed even so), max_page_bytes = 10485760,
          timeout_ms = 10000, cache_ms = 3600000, ca_file = "" (trusted besides the
          system's certificates), user_agent (the User-Agent header it sends)
  [to_device] max_pending_per_device = 10000, max_pending_bytes_per_device = 16777216
          (a /sync carries 100 messages or 1 MiB of them at most; the rest come next)
  [metrics] enabled = false (GET /_myelin/metrics, Prometheus text, to loopback clients only),
          loop_lag_interval_ms = 10 (how often the event loop's lag is sampled)
  [http]  tls_certificate = "", tls_private_key = "" (PEM files: the client listener speaks
          TLS; reloaded on SIGHUP)
  [federation] enabled = false, listen = "0.0.0.0:8448" (TLS: /_matrix/federation, /_matrix/key),
          tls_certificate, tls_private_key (required when enabled; reloaded on SIGHUP),
          trusted_ca = "" (extra CAs for outbound TLS), allow_private_destinations = false,
          well_known_server = "" (e.g. "matrix.example.org:443": served as
          /.well-known/matrix/server on the client listener), trusted_key_servers = []
          (notaries asked for keys a server does not give itself)
  [federation.hosts] "hs2.test" = "127.0.0.12:8448" (server names resolved here first)
)";
}

} // namespace myelin
