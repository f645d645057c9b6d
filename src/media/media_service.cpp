#include "media/media_service.hpp"
#include "media/file_io.hpp"

#include "util/clock.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

namespace myelin::media {

namespace fs = std::filesystem;
using boost::asio::awaitable;
using detail::fail;
using detail::fsync_dir;
using detail::hex;

// OpenSSL's SHA-256 (it uses the CPU's SHA instructions: several times libsodium's portable
// code, which was a third of an upload's CPU).
struct Upload::Hash {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Upload::Upload(util::BlockingPool& pool, fs::path tmp, int fd, std::int64_t limit)
    : pool_(pool)
    , tmp_(std::move(tmp))
    , fd_(fd)
    , limit_(limit)
    , hash_(std::make_unique<Hash>()) {
    if (!hash_->ctx || EVP_DigestInit_ex(hash_->ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 is not available");
}

Upload::~Upload() {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) {
        std::error_code ec;
        fs::remove(tmp_, ec);
    }
}

void Upload::append(const char* data, std::size_t n) {
    EVP_DigestUpdate(hash_->ctx.get(), data, n);
    while (n > 0) {
        auto w = ::write(fd_, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail("writing an upload");
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

namespace {
// Plain functions that hand file work to the pool: GCC 12 miscompiles lambdas with captures
// built inside a coroutine body and passed to co_await (docs/architecture.md).
auto append_on_pool(util::BlockingPool& pool, Upload* up,
                    void (Upload::*fn)(const char*, std::size_t), const char* data, std::size_t n) {
    return pool.run([up, fn, data, n] {
        (up->*fn)(data, n);
        return 0;
    });
}
} // namespace

awaitable<void> Upload::write(const char* data, std::size_t n) {
    if (size_ + static_cast<std::int64_t>(n) > limit_)
        throw MatrixError(413, errcode::too_large,
                          "The upload is larger than this server accepts (" +
                              std::to_string(limit_) + " bytes)");
    size_ += static_cast<std::int64_t>(n);
    co_await append_on_pool(pool_, this, &Upload::append, data, n);
}

std::string Upload::finish_hash() {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(hash_->ctx.get(), h, &len);
    return hex(h, len);
}

MediaFile::~MediaFile() {
    if (fd_ >= 0) ::close(fd_);
}

MediaService::MediaService(MediaSettings settings, store::MediaStore& store,
                           util::BlockingPool& pool)
    : settings_(std::move(settings))
    , store_(store)
    , pool_(pool)
    , upload_limiter_(settings_.upload_rate) {
    fs::create_directories(settings_.dir / "tmp");
    // Uploads a crash cut short: never acknowledged, so nobody refers to them.
    if (settings_.clean_tmp_at_start)
        for (const auto& e : fs::directory_iterator(settings_.dir / "tmp")) {
            std::error_code ec;
            fs::remove(e.path(), ec);
        }
}

std::string MediaService::new_media_id() {
    return util::random_letters(kMediaIdLength);
}

void MediaService::refuse_media_id() {
    throw MatrixError(500, errcode::unknown, "Could not allocate a media id");
}

bool MediaService::valid_media_id(std::string_view id) {
    if (id.size() != kMediaIdLength) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
}

fs::path MediaService::content_path(const std::string& sha256) const {
    return settings_.dir / sha256.substr(0, 2) / sha256.substr(2, 2) / sha256;
}

namespace {
struct Opened {
    int fd = -1;
    std::string path;
};

auto create_tmp_on_pool(util::BlockingPool& pool, fs::path dir) {
    return pool.run([dir = std::move(dir)] {
        Opened o;
        o.path = (dir / ("up-" + util::random_letters(16))).string();
        o.fd = ::open(o.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (o.fd < 0) fail("creating an upload file");
        return o;
    });
}
} // namespace

awaitable<std::unique_ptr<Upload>> MediaService::begin_upload() {
    auto dir = settings_.dir / "tmp";
    auto o = co_await create_tmp_on_pool(pool_, dir);
    co_return std::unique_ptr<Upload>(new Upload(pool_, o.path, o.fd, settings_.max_upload_bytes));
}

namespace {
// fsync, then move into place under the hash; the same content already there: drop ours.
auto place_on_pool(util::BlockingPool& pool, int fd, fs::path tmp, fs::path target) {
    return pool.run([fd, tmp = std::move(tmp), target = std::move(target)] {
        if (::fsync(fd) != 0) fail("syncing an upload");
        std::error_code ec;
        if (fs::exists(target, ec)) {
            fs::remove(tmp, ec);
            return 0;
        }
        fs::create_directories(target.parent_path());
        if (::rename(tmp.c_str(), target.c_str()) != 0) fail("storing an upload");
        fsync_dir(target.parent_path());
        return 0;
    });
}
} // namespace

awaitable<StoredUpload> MediaService::finish_upload(Upload& up, const std::string& uploader,
                                                    const std::optional<std::string>& content_type,
                                                    const std::optional<std::string>& file_name,
                                                    const std::optional<std::string>& reserved_id) {
    // The server's own media (uploader "": URL preview images) has no quota.
    if (settings_.max_bytes_per_user > 0 && !uploader.empty() &&
        store_.media_bytes_of(uploader) + up.size() > settings_.max_bytes_per_user)
        throw MatrixError(413, errcode::too_large, "The upload would pass your media quota");
    auto sha = up.finish_hash();
    auto target = content_path(sha);
    co_await place_on_pool(pool_, up.fd_, up.tmp_, target);
    up.done_ = true; // the temporary file is gone either way
    store::MediaRecord r;
    r.uploader = uploader;
    r.content_type = content_type;
    r.file_name = file_name;
    r.size = up.size();
    r.sha256 = sha;
    r.created_ts = r.last_access_ts = util::now_ms();
    if (reserved_id) {
        r.media_id = *reserved_id;
        // Two uploads raced for one reserved id: the first stored wins. The loser's file goes
        // unless something names it; done here, without a suspension, so no upload of the
        // same bytes can place it and name it in between (a rare path: one unlink).
        if (!store_.put_media(r)) {
            CleanupReport ignored;
            remove_unnamed_files({sha}, ignored);
            throw MatrixError(409, errcode::cannot_overwrite_media, "The media is uploaded");
        }
        store_.delete_pending_media(r.media_id);
        wake_waiters(r.media_id);
    }
    if (!reserved_id)
        allocate_media_id(r, [this](const store::MediaRecord& m) { return store_.put_media(m); });
    co_return StoredUpload{r.media_id, "mxc://" + settings_.server_name + "/" + r.media_id, sha};
}

awaitable<StoredUpload> MediaService::store_bytes(const std::string& bytes,
                                                  const std::optional<std::string>& content_type,
                                                  const std::string& uploader) {
    auto up = co_await begin_upload();
    co_await up->write(bytes.data(), bytes.size());
    const std::optional<std::string> no_name;
    co_return co_await finish_upload(*up, uploader, content_type, no_name);
}

namespace {
auto open_on_pool(util::BlockingPool& pool, fs::path path) {
    return pool.run([path = std::move(path)] {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -1 : fd;
    });
}

auto pread_on_pool(util::BlockingPool& pool, int fd, std::int64_t offset, char* buf,
                   std::size_t n) {
    return pool.run([fd, offset, buf, n] {
        for (;;) {
            auto r = ::pread(fd, buf, n, offset);
            if (r >= 0) return static_cast<std::size_t>(r);
            if (errno != EINTR) fail("reading a media file");
        }
    });
}
} // namespace

awaitable<std::unique_ptr<MediaFile>> MediaService::open(const std::string& server_name,
                                                         const std::string& media_id, Fetch how) {
    auto r = co_await find(server_name, media_id, how);
    auto path = content_path(r.sha256);
    int fd = co_await open_on_pool(pool_, path);
    if (fd < 0) {
        spdlog::error("media {}: its file {} cannot be opened", media_id, path.string());
        throw not_found("Media not found");
    }
    co_return std::make_unique<MediaFile>(std::move(r), fd);
}

std::optional<store::MediaRecord> MediaService::find_uploaded(const std::string& server_name,
                                                              const std::string& media_id) {
    // Remote media arrives with federation; until then another server's id is unknown here.
    if (server_name != settings_.server_name || !valid_media_id(media_id))
        throw not_found("Media not found");
    auto r = store_.get_media(media_id);
    if (r && r->quarantined) throw not_found("Media not found");
    return r;
}

awaitable<store::MediaRecord> MediaService::find(const std::string& server_name,
                                                 const std::string& media_id, Fetch how) {
    auto r = find_uploaded(server_name, media_id);
    if (!r) {
        auto pending = store_.get_pending_media(media_id);
        if (!pending || pending->expires_ts <= util::now_ms()) throw not_found("Media not found");
        co_await wait_for_upload(media_id, how.wait);
        r = find_uploaded(server_name, media_id);
        if (!r) throw MatrixError(504, errcode::not_yet_uploaded, "The media is not uploaded yet");
    }
    // The freeze: media created since it is served only with authentication.
    if (how.unauthenticated && !settings_.unauthenticated_all &&
        r->created_ts >= settings_.unauthenticated_before_ts)
        throw not_found("Media not found");
    // Recorded at most daily: a cleanup of media unused for N days needs no finer grain, and
    // a popular file then costs no write per download.
    auto now = util::now_ms();
    if (now - r->last_access_ts > 24 * 3600 * 1000) store_.touch_media(media_id, now);
    co_return std::move(*r);
}

awaitable<std::size_t> MediaService::read(const MediaFile& f, std::int64_t offset, char* buf,
                                          std::size_t n) {
    co_return co_await pread_on_pool(pool_, f.fd(), offset, buf, n);
}

} // namespace myelin::media
