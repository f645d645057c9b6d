#pragma once
// Thumbnails with libvips. Blocking and CPU-heavy: called on the worker pool only.
//
// Only JPEG, PNG, WebP and GIF are decoded, whatever the uploader said the type was (the
// loader is chosen by the file's own bytes, and every other libvips loader is blocked: SVG,
// PDF, TIFF and the rest are attack surface nobody needs for a thumbnail). The header is read
// before any pixel: an image over the pixel limit is refused without being decoded.
#include "media/media_settings.hpp"
#include "media/thumbnail_sizes.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace myelin::media {

struct Thumbnail {
    std::string bytes;
    std::string content_type; // image/jpeg, image/png or image/webp (animated)
    int width = 0;
    int height = 0;
};

class ThumbnailError : public std::runtime_error {
public:
    enum class Kind { not_an_image, too_large, undecodable, timed_out };
    ThumbnailError(Kind k, const std::string& what)
        : std::runtime_error(what)
        , kind(k) {}
    Kind kind;
};

// An image's displayed size (EXIF orientation applied) and type, from its header alone.
struct ImageInfo {
    int width = 0;
    int height = 0;
    std::string content_type;
};

// Starts libvips once per process (safe from any thread).
void init_thumbnailer();

// A thumbnail of `source` at `size`: `crop` fills exactly width x height (centred), `scale`
// fits inside it keeping the aspect ratio; never enlarged; EXIF orientation applied, metadata
// stripped. `animated` keeps the frames of an animated GIF/WebP (as WebP); otherwise the first
// frame. JPEG sources give JPEG, the rest PNG. Throws ThumbnailError.
Thumbnail make_thumbnail(const std::filesystem::path& source, ThumbnailSize size, bool animated,
                         const ThumbnailLimits& limits);

// Throws ThumbnailError (not_an_image, undecodable) for what make_thumbnail would not decode.
ImageInfo probe_image(const std::filesystem::path& source);

} // namespace myelin::media
