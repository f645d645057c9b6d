#pragma once
// What the operator sets for the media repository (config [media]).
#include "account/account_settings.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace myelin::media {

struct ThumbnailLimits {
    std::int64_t max_pixels = 32'000'000;           // width x height of the source (one frame)
    std::int64_t max_animated_pixels = 100'000'000; // all frames of an animated source
    std::chrono::milliseconds timeout{10'000};
};

// GET /media/preview_url: the server fetches a page for a user (config [url_preview]).
struct UrlPreviewSettings {
    bool enabled = true;
    // Destinations refused besides the special-purpose ranges (net/ip_ranges.hpp), and
    // ranges allowed even so (an intranet the operator wants previewed; the tests' 127.0.0.1).
    std::vector<std::string> ip_range_denylist;
    std::vector<std::string> ip_range_allowlist;
    std::int64_t max_page_bytes = 10 << 20; // a page or its image, whichever is fetched
    std::int64_t timeout_ms = 10'000;       // each fetch, redirects included
    std::int64_t cache_ms = 3600'000;       // how long an answer is reused
    std::string ca_file;                    // trusted besides the system's certificates
    std::string user_agent = "Myelin (URL preview)";
    account::RateLimit rate{true, 1.0, 10}; // per user
};

struct MediaSettings {
    std::string server_name;
    std::filesystem::path dir;
    std::int64_t max_upload_bytes = 50 << 20;
    // Larger files are not thumbnailed (413): decoding them would take too long.
    std::int64_t max_thumbnail_source_bytes = 50 << 20;
    ThumbnailLimits thumbnails;
    // Asynchronous uploads: how long a reserved id waits for its bytes, how many one user may
    // hold, and the longest a download waits for one (timeout_ms is capped to it).
    std::int64_t pending_lifetime_ms = 24 * 3600 * 1000;
    std::int64_t max_pending_per_user = 50;
    std::int64_t max_wait_ms = 60'000;
    // The deprecated unauthenticated /_matrix/media/v3|r0 downloads and thumbnails: everything
    // ("on", for old clients), or, following the spec's freeze, only media created before
    // `unauthenticated_before_ts` (the first start with "frozen", the default).
    bool unauthenticated_all = false;
    // Per user: uploads (token bucket; 429 M_LIMIT_EXCEEDED) and the bytes they may hold in
    // all (0: no quota; 413 M_TOO_LARGE past it).
    account::RateLimit upload_rate{true, 1.0, 50};
    std::int64_t max_bytes_per_user = 0;
    // The server empties <dir>/tmp at start (uploads a crash cut short); the operator's
    // commands, which may run beside a server, do not.
    bool clean_tmp_at_start = true;
    std::int64_t unauthenticated_before_ts = 0;
    UrlPreviewSettings url_preview;
};

} // namespace myelin::media
