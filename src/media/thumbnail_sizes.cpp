#include "media/thumbnail_sizes.hpp"

namespace myelin::media {

namespace {
const ThumbnailSize* smallest_covering(int width, int height, const ThumbnailMethod* method) {
    const ThumbnailSize* best = nullptr;
    for (const auto& s : kThumbnailSizes) {
        if (method && s.method != *method) continue;
        if (s.width < width || s.height < height) continue;
        if (!best || s.width * s.height < best->width * best->height) best = &s;
    }
    return best;
}
} // namespace

ThumbnailSize snap_thumbnail_size(int width, int height, ThumbnailMethod method) {
    if (const auto* s = smallest_covering(width, height, &method)) return *s;
    if (const auto* s = smallest_covering(width, height, nullptr)) return *s;
    return kThumbnailSizes[std::size(kThumbnailSizes) - 1];
}

std::string_view method_name(ThumbnailMethod m) {
    return m == ThumbnailMethod::crop ? "crop" : "scale";
}

} // namespace myelin::media
