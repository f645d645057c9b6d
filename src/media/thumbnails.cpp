// MediaService::thumbnail: snap the size, reuse a stored thumbnail, or make one on the pool
// and store it content-addressed beside the media it shows.
#include "media/file_io.hpp"
#include "media/media_service.hpp"
#include "util/matrix_error.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

namespace myelin::media {

namespace fs = std::filesystem;
using boost::asio::awaitable;

namespace {
struct Made {
    Thumbnail thumb;
    std::string sha256;
};

std::string sha256_hex(const std::string& bytes) {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), h, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 is not available");
    return detail::hex(h, len);
}

// Writes to a temporary file, fsyncs, renames into place (the same content there: kept).
void store_file(const fs::path& tmp_dir, const fs::path& target, const std::string& bytes) {
    std::error_code ec;
    if (fs::exists(target, ec)) return;
    auto tmp = tmp_dir / ("th-" + std::to_string(::gettid()) + "-" + target.filename().string());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) detail::fail("creating a thumbnail file");
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            fs::remove(tmp, ec);
            detail::fail("writing a thumbnail file");
        }
        done += static_cast<std::size_t>(n);
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) {
        fs::remove(tmp, ec);
        detail::fail("syncing a thumbnail file");
    }
    fs::create_directories(target.parent_path());
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        fs::remove(tmp, ec);
        detail::fail("storing a thumbnail file");
    }
    detail::fsync_dir(target.parent_path());
}

// Pool work (a plain function: GCC 12 and coroutine lambdas do not mix).
auto make_on_pool(util::BlockingPool& pool, fs::path source, fs::path tmp_dir,
                  const MediaService* media, ThumbnailSize size, bool animated,
                  ThumbnailLimits limits) {
    return pool.run([=] {
        Made m;
        m.thumb = make_thumbnail(source, size, animated, limits);
        m.sha256 = sha256_hex(m.thumb.bytes);
        store_file(tmp_dir, media->content_path(m.sha256), m.thumb.bytes);
        return m;
    });
}

// The whole stored thumbnail; nullopt when its file is gone (it is made again).
auto read_on_pool(util::BlockingPool& pool, fs::path path) {
    return pool.run([path = std::move(path)]() -> std::optional<std::string> {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return std::nullopt;
        std::string out;
        char buf[64 * 1024];
        for (;;) {
            auto n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return out;
    });
}

MatrixError thumbnail_refused(const ThumbnailError& e) {
    using Kind = ThumbnailError::Kind;
    if (e.kind == Kind::too_large)
        return MatrixError(413, errcode::too_large, "Content is too large to thumbnail");
    if (e.kind == Kind::timed_out)
        return MatrixError(413, errcode::too_large, "Content took too long to thumbnail");
    return MatrixError(400, errcode::unknown,
                       "Cannot generate thumbnails for the requested content");
}
} // namespace

awaitable<ThumbnailBytes> MediaService::thumbnail(const std::string& server_name,
                                                  const std::string& media_id, int width,
                                                  int height, ThumbnailMethod method, bool animated,
                                                  Fetch how) {
    auto media = co_await find(server_name, media_id, how);
    if (media.size > settings_.max_thumbnail_source_bytes)
        throw MatrixError(413, errcode::too_large, "Content is too large to thumbnail");
    auto size = snap_thumbnail_size(width, height, method);
    store::ThumbnailRecord rec;
    rec.media_id = media_id;
    rec.width = size.width;
    rec.height = size.height;
    rec.method = std::string(method_name(size.method));
    rec.animated = animated;
    if (store_.get_thumbnail(rec)) {
        auto bytes = co_await read_on_pool(pool_, content_path(rec.sha256));
        if (bytes) co_return ThumbnailBytes{std::move(*bytes), rec.content_type, rec.sha256};
        spdlog::warn("media {}: thumbnail file {} is gone; making it again", media_id, rec.sha256);
    }
    Made made;
    try {
        made = co_await make_on_pool(pool_, content_path(media.sha256), settings_.dir / "tmp", this,
                                     size, animated, settings_.thumbnails);
    } catch (const ThumbnailError& e) {
        spdlog::debug("media {}: no thumbnail: {}", media_id, e.what());
        throw thumbnail_refused(e);
    }
    rec.content_type = made.thumb.content_type;
    rec.size = static_cast<std::int64_t>(made.thumb.bytes.size());
    rec.sha256 = made.sha256;
    store_.put_thumbnail(rec);
    co_return ThumbnailBytes{std::move(made.thumb.bytes), rec.content_type, rec.sha256};
}

} // namespace myelin::media
