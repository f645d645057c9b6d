#pragma once
// Which stored thumbnail answers a request: any requested size snaps to one of a few, so a
// client asking for 33x33 and another for 40x40 share one generated image.
#include <string_view>

namespace myelin::media {

enum class ThumbnailMethod { crop, scale };

struct ThumbnailSize {
    int width;
    int height;
    ThumbnailMethod method;
    bool operator==(const ThumbnailSize&) const = default;
};

// The sizes generated: small crops for avatars, scales for pictures in a timeline.
inline constexpr ThumbnailSize kThumbnailSizes[] = {
    {32, 32, ThumbnailMethod::crop},    {96, 96, ThumbnailMethod::crop},
    {320, 240, ThumbnailMethod::scale}, {640, 480, ThumbnailMethod::scale},
    {800, 600, ThumbnailMethod::scale},
};

// The smallest size of the requested method at least as large as asked; failing that the
// smallest of any method that is; failing that the largest (800x600 scale).
ThumbnailSize snap_thumbnail_size(int width, int height, ThumbnailMethod method);

std::string_view method_name(ThumbnailMethod m);

} // namespace myelin::media
