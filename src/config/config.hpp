#pragma once
// Server configuration: defaults, then the TOML file, then command-line flags.
#include "account/account_settings.hpp"
#include "federation/federation_settings.hpp"
#include "media/media_settings.hpp"
#include "net/http_server.hpp"
#include <string>

namespace myelin {

using account::RateLimit;
using account::RegistrationMode;

struct Config {
    std::string server_name = "localhost";
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8008;
    std::string database = "sqlite:./data/myelin.db";
    std::string sqlite_synchronous = "full";
    // Threads (each with its own connection) that run the sync engine's reads off the event
    // loop; -1: store::default_database_threads (4 on PostgreSQL, 0 on SQLite).
    std::int64_t database_threads = -1;
    RegistrationMode registration = RegistrationMode::open;
    std::string public_baseurl; // for /.well-known/matrix/client; empty: derived from listen
    account::HashCost password_hash_cost = account::HashCost::interactive;
    RateLimit login_rate_limit;
    RateLimit register_rate_limit;
    // Wrong passwords per account (login and the UIA password stage), from any address.
    RateLimit failed_password_rate_limit{true, 0.17, 5};
    net::HttpLimits http;
    // TLS on the client listener ([http] tls_certificate, tls_private_key; both or neither).
    std::string http_tls_certificate;
    std::string http_tls_private_key;
    federation::FederationSettings federation; // [federation]
    std::string log_level = "info";
    std::size_t worker_threads = 2; // for password hashing
    // /sync/sse (MSC2108)
    std::int64_t sse_heartbeat_s = 5;  // default heartbeat_interval
    bool sse_allow_query_token = true; // ?access_token= for browsers' EventSource
    // gzip /sync and /sync/sse responses for clients that accept it (a stream keeps one
    // compression context, about 12 KiB, for its whole life).
    bool sync_gzip = true;
    std::int64_t sse_max_streams_per_device = 4;
    std::int64_t sse_max_streams_per_user = 20;
    // Long-poll /sync: the longest `timeout` honoured, and concurrent long-polls at most.
    std::int64_t sync_max_timeout_s = 180;
    std::int64_t sync_max_longpolls_per_device = 4;
    std::int64_t sync_max_longpolls_per_user = 50;
    // To-device messages kept per device until acknowledged; the oldest go beyond this.
    std::int64_t to_device_max_pending = 10000;
    std::int64_t to_device_max_pending_bytes = 16 << 20; // of content, per device
    // GET /_myelin/metrics (Prometheus text) for loopback clients, and the event-loop lag
    // sampled every loop_lag_interval_ms for it.
    bool metrics_enabled = false;
    std::int64_t loop_lag_interval_ms = 10;
    bool presence_enabled = true;
    std::int64_t presence_offline_after_s = 30; // after the last sync ends
    // The media repository: files under media_path (empty: "media" beside a SQLite database,
    // ./data/media otherwise); uploads up to media_max_upload_bytes, apart from the JSON body
    // limit.
    std::string media_path;
    std::int64_t media_max_upload_bytes = 50 << 20;
    // Thumbnails: images over this many pixels (one frame) are not decoded; a thumbnail
    // taking longer than the timeout is abandoned.
    std::int64_t media_max_image_pixels = 32'000'000;
    std::int64_t media_thumbnail_timeout_ms = 10'000;
    // "frozen" (the spec's freeze: the deprecated unauthenticated downloads serve only media
    // from before the first start with it) or "on" (they serve everything, for old clients).
    std::string media_unauthenticated = "frozen";
    // Per user: the bytes their uploads may hold in all (0: no quota), and how fast they may
    // upload.
    std::int64_t media_max_bytes_per_user = 0;
    RateLimit media_upload_rate_limit{true, 1.0, 50};
    media::UrlPreviewSettings url_preview; // [url_preview]
    // The directory media_path names, or the default beside the database.
    std::string media_directory() const;

    media::MediaSettings media_settings() const;
    account::AccountSettings account_settings() const {
        return {server_name,      registration,        password_hash_cost,
                login_rate_limit, register_rate_limit, failed_password_rate_limit};
    }
};

// Loads `path` (TOML) over the defaults. Throws std::runtime_error with the key at fault.
void load_config_file(Config& cfg, const std::string& path);
RegistrationMode parse_registration_mode(std::string_view s);
// "HOST:PORT" or "[V6]:PORT".
void parse_listen(Config& cfg, std::string_view s);
// The text `myelin serve --help` prints about the config file's keys.
const char* config_keys_help();

} // namespace myelin
