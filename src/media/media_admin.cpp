// The operator's media commands and the upload guards: rate limit, quota, cleanup,
// quarantine. The commands block (they run from the command line, beside a running server:
// a download that already opened a file keeps reading it after it is unlinked).
#include "media/media_service.hpp"
#include "util/matrix_error.hpp"

#include <spdlog/spdlog.h>

namespace myelin::media {

namespace fs = std::filesystem;

void MediaService::check_upload_allowed(const std::string& uploader,
                                        std::optional<std::uint64_t> declared) {
    upload_limiter_.check(uploader);
    if (settings_.max_bytes_per_user <= 0) return;
    auto used = store_.media_bytes_of(uploader);
    auto incoming = static_cast<std::int64_t>(declared.value_or(0));
    if (used + incoming > settings_.max_bytes_per_user)
        throw MatrixError(413, errcode::too_large,
                          "The upload would pass your media quota (" +
                              std::to_string(settings_.max_bytes_per_user) + " bytes, " +
                              std::to_string(used) + " used)");
}

void MediaService::remove_unnamed_files(const std::vector<std::string>& hashes, CleanupReport& r) {
    for (const auto& h : hashes) {
        if (store_.count_media_with_hash(h) > 0) continue; // another id or thumbnail shares it
        auto path = content_path(h);
        std::error_code ec;
        auto size = fs::file_size(path, ec);
        if (fs::remove(path, ec)) {
            ++r.files;
            r.bytes += ec ? 0 : static_cast<std::int64_t>(size);
        }
    }
}

MediaService::CleanupReport MediaService::delete_media(const std::string& media_id) {
    CleanupReport r;
    auto hashes = store_.delete_media(media_id);
    if (hashes.empty()) return r;
    ++r.media;
    remove_unnamed_files(hashes, r);
    return r;
}

MediaService::CleanupReport MediaService::delete_unused(std::int64_t ts) {
    CleanupReport r;
    for (;;) {
        auto batch = store_.media_unused_since(ts, 500);
        if (batch.empty()) break;
        for (const auto& m : batch) {
            auto one = delete_media(m.media_id);
            r.media += one.media;
            r.files += one.files;
            r.bytes += one.bytes;
        }
    }
    // URL previews fetched before then: their images may have just gone.
    r.url_previews = store_.delete_url_previews_before(ts);
    return r;
}

bool MediaService::quarantine(const std::string& media_id, bool on) {
    return store_.set_media_quarantined(media_id, on);
}

} // namespace myelin::media
