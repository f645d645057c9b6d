#pragma once
// What the operator sets for the media repository (config [media]).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace myelin::media {

struct ThumbnailLimits {
    std::int64_t max_pixels = 32'000'000;           // width x height of the source (one frame)
    std::int64_t max_animated_pixels = 100'000'000; // all frames of an animated source
    std::chrono::milliseconds timeout{10'000};
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
};

} // namespace myelin::media
