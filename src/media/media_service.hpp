#pragma once
// The media repository (see README.md): content-addressed files under one directory, metadata
// in the store. Layout: <dir>/<sha[0..2]>/<sha[2..4]>/<sha> for content, <dir>/tmp/ for uploads
// in progress (emptied at start: what a crash left there was never acknowledged).
#include "account/rate_limiter.hpp"
#include "media/thumbnailer.hpp"
#include "store/media_store.hpp"
#include "util/blocking_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace myelin::media {

// How a download or thumbnail asks: how long to wait for a reserved id's upload, and whether
// through the deprecated unauthenticated paths.
struct Fetch {
    std::chrono::milliseconds wait{0};
    bool unauthenticated = false;
};

// A thumbnail to send: small (a few hundred KiB at most), so held whole.
struct ThumbnailBytes {
    std::string bytes;
    std::string content_type;
    std::string sha256;
};

// One upload in progress: bytes go to a temporary file as they arrive. Destroyed unfinished
// (the client went away, the body was too large), it removes its file: nothing is left behind.
class Upload {
public:
    ~Upload();
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;

    // Appends (on the pool); 413 M_TOO_LARGE past the limit.
    boost::asio::awaitable<void> write(const char* data, std::size_t n);
    std::int64_t size() const { return size_; }

private:
    friend class MediaService;
    Upload(util::BlockingPool& pool, std::filesystem::path tmp, int fd, std::int64_t limit);
    void append(const char* data, std::size_t n); // on the pool
    std::string finish_hash();

    util::BlockingPool& pool_;
    std::filesystem::path tmp_;
    int fd_;
    std::int64_t limit_;
    std::int64_t size_ = 0;
    struct Hash;
    std::unique_ptr<Hash> hash_;
    bool done_ = false;
};

struct StoredUpload {
    std::string media_id;
    std::string content_uri; // mxc://server/media_id
    std::string sha256;
};

// An open file to serve: its metadata and a descriptor (closed with the object).
class MediaFile {
public:
    MediaFile(store::MediaRecord r, int fd)
        : record(std::move(r))
        , fd_(fd) {}
    ~MediaFile();
    MediaFile(const MediaFile&) = delete;
    MediaFile& operator=(const MediaFile&) = delete;
    store::MediaRecord record;
    int fd() const { return fd_; }

private:
    int fd_;
};

class MediaService {
public:
    MediaService(MediaSettings settings, store::MediaStore& store, util::BlockingPool& pool);

    const MediaSettings& settings() const { return settings_; }
    // A media id is what this server hands out: 24 letters. Anything else (a path trick, a
    // remote server's id) is looked up as unknown.
    static bool valid_media_id(std::string_view id);

    // Before an upload's body is read: the rate limit and, with what it declares, the quota.
    void check_upload_allowed(const std::string& uploader, std::optional<std::uint64_t> declared);
    boost::asio::awaitable<std::unique_ptr<Upload>> begin_upload();
    // Completes the upload: fsync, rename into place under its hash (or drop it when that
    // file exists), then the row. Returns the new mxc:// URI.
    // (References, not values: GCC 12 mishandles coroutine parameters with destructors passed
    // as temporaries; the caller keeps these alive while it awaits.)
    boost::asio::awaitable<StoredUpload>
    finish_upload(Upload& up, const std::string& uploader,
                  const std::optional<std::string>& content_type,
                  const std::optional<std::string>& file_name,
                  const std::optional<std::string>& reserved_id = std::nullopt);
    // Bytes the server fetched itself (a URL preview's image): stored as an upload would be,
    // without the uploader's rate limit or quota; 413 over max_upload_bytes.
    boost::asio::awaitable<StoredUpload> store_bytes(const std::string& bytes,
                                                     const std::optional<std::string>& content_type,
                                                     const std::string& uploader);
    // 404 M_NOT_FOUND for an unknown, quarantined or remote media id. A reserved id not yet
    // uploaded is waited for up to `wait`, then 504 M_NOT_YET_UPLOADED.
    boost::asio::awaitable<std::unique_ptr<MediaFile>>
    open(const std::string& server_name, const std::string& media_id, Fetch how = {});
    // Reads up to `n` bytes at `offset` (on the pool); 0 at the end.
    boost::asio::awaitable<std::size_t> read(const MediaFile& f, std::int64_t offset, char* buf,
                                             std::size_t n);

    // Asynchronous uploads (POST /media/v1/create): a media id reserved for `uploader`, to be
    // filled by one upload before it expires. 429 M_LIMIT_EXCEEDED past the pending limit.
    boost::asio::awaitable<store::PendingMedia> reserve(const std::string& uploader);
    // Before the body of PUT /upload/{serverName}/{mediaId} is read: 404 unless this server's
    // pending id, 403 unless reserved by `uploader`, 409 M_CANNOT_OVERWRITE_MEDIA once uploaded.
    void check_reserved(const std::string& server_name, const std::string& media_id,
                        const std::string& uploader);

    // A thumbnail at the size `width` x `height` snaps to: made once on the pool, stored,
    // then read back. 400 M_UNKNOWN for content that is not an image this server decodes,
    // 413 M_TOO_LARGE over the size or pixel limits, 404 as open().
    boost::asio::awaitable<ThumbnailBytes> thumbnail(const std::string& server_name,
                                                     const std::string& media_id, int width,
                                                     int height, ThumbnailMethod method,
                                                     bool animated, Fetch how);

    std::filesystem::path content_path(const std::string& sha256) const;

    static constexpr std::size_t kMediaIdLength = 24;
    // Sets `row.media_id` to new random ids until `put(row)` takes one (ids are random: a
    // refusal is a collision); 500 after a few.
    template <class Row, class Put> static void allocate_media_id(Row& row, Put put) {
        for (int attempt = 0;; ++attempt) {
            row.media_id = new_media_id();
            if (put(row)) return;
            if (attempt > 5) refuse_media_id();
        }
    }

    // Operator commands (blocking; `myelin media …`, not the event loop).
    struct CleanupReport {
        std::int64_t media = 0;        // ids removed
        std::int64_t files = 0;        // files nothing named any more
        std::int64_t bytes = 0;        // their size
        std::int64_t url_previews = 0; // kept previews removed
    };
    // Removes media not downloaded (nor uploaded) since `ts` and the files only they named, and
    // the URL previews fetched before `ts`.
    CleanupReport delete_unused(std::int64_t ts);
    CleanupReport delete_media(const std::string& media_id);
    // False for an unknown id. Quarantined media (and its thumbnails) answer 404 everywhere.
    bool quarantine(const std::string& media_id, bool on);

private:
    static std::string new_media_id();
    [[noreturn]] static void refuse_media_id();
    void remove_unnamed_files(const std::vector<std::string>& hashes, CleanupReport& r);
    // The record of a local, unquarantined media id, waiting up to `wait` for a reserved one
    // (404 / 504 otherwise); notes the access.
    boost::asio::awaitable<store::MediaRecord> find(const std::string& server_name,
                                                    const std::string& media_id, Fetch how);
    // nullopt when not uploaded (yet); 404 for what can never be (a remote or malformed id,
    // quarantined media).
    std::optional<store::MediaRecord> find_uploaded(const std::string& server_name,
                                                    const std::string& media_id);
    boost::asio::awaitable<void> wait_for_upload(const std::string& media_id,
                                                 std::chrono::milliseconds wait);
    void wake_waiters(const std::string& media_id);

    MediaSettings settings_;
    store::MediaStore& store_;
    util::BlockingPool& pool_;
    account::RateLimiter upload_limiter_;
    // Downloads waiting for a reserved id's upload (all on the event loop's thread).
    std::unordered_multimap<std::string, boost::asio::steady_timer*> waiters_;
};

} // namespace myelin::media
