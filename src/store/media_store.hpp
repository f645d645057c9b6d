#pragma once
// The media repository's metadata: one row per media id. The bytes are files the media service
// keeps on disk, content-addressed by their SHA-256, so identical uploads share one file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

struct MediaRecord {
    std::string media_id;
    std::string uploader;
    std::optional<std::string> content_type;
    std::optional<std::string> file_name;
    std::int64_t size = 0;
    std::string sha256; // hex, names the file
    std::int64_t created_ts = 0;
    std::int64_t last_access_ts = 0;
    bool quarantined = false;
};

// A generated thumbnail of a media id, at one of the snapped sizes (media/thumbnail_sizes.hpp).
struct ThumbnailRecord {
    std::string media_id;
    int width = 0; // the snapped size asked for, not the image's own (which may be smaller)
    int height = 0;
    std::string method; // "crop" or "scale"
    bool animated = false;
    std::string content_type;
    std::int64_t size = 0;
    std::string sha256;
};

// A media id handed out by POST /media/v1/create whose bytes have not been uploaded yet.
struct PendingMedia {
    std::string media_id;
    std::string uploader;
    std::int64_t expires_ts = 0;
};

// A URL preview as it was answered (the JSON text), kept a while for whoever asks next.
struct UrlPreviewRecord {
    std::string url;
    std::int64_t fetched_ts = 0;
    std::string og_json;
};

class MediaStore {
public:
    virtual ~MediaStore() = default;
    // False (nothing written) when the media id exists.
    virtual bool put_media(const MediaRecord& m) = 0;
    virtual std::optional<MediaRecord> get_media(const std::string& media_id) = 0;
    virtual void touch_media(const std::string& media_id, std::int64_t ts) = 0;
    // How many media ids and thumbnails name the file with this hash (a file nothing names
    // can go).
    virtual std::int64_t count_media_with_hash(const std::string& sha256) = 0;
    // The bytes `uploader`'s media ids hold (each id counted, shared files included).
    virtual std::int64_t media_bytes_of(const std::string& uploader) = 0;
    // Media ids not downloaded (nor uploaded) since `ts`, at most `limit`.
    virtual std::vector<MediaRecord> media_unused_since(std::int64_t ts, std::int64_t limit) = 0;
    virtual bool set_media_quarantined(const std::string& media_id, bool quarantined) = 0;
    // Removes the id and its thumbnails' rows; returns the hashes they named (files to check).
    virtual std::vector<std::string> delete_media(const std::string& media_id) = 0;

    // Nothing written when that thumbnail exists (two requests made it at once).
    virtual void put_thumbnail(const ThumbnailRecord& t) = 0;
    // Fills content_type, size and sha256 of `key` (its media id, size, method and animated).
    virtual bool get_thumbnail(ThumbnailRecord& key) = 0;

    // False when the id is taken (pending or uploaded).
    virtual bool put_pending_media(const PendingMedia& p) = 0;
    virtual std::optional<PendingMedia> get_pending_media(const std::string& media_id) = 0;
    virtual void delete_pending_media(const std::string& media_id) = 0;
    // Pending ids of `uploader` that have not expired at `now_ts`.
    virtual std::int64_t count_pending_media(const std::string& uploader, std::int64_t now_ts) = 0;
    virtual void expire_pending_media(std::int64_t now_ts) = 0;

    virtual std::optional<UrlPreviewRecord> get_url_preview(const std::string& url) = 0;
    // Replaces what was kept for that URL.
    virtual void put_url_preview(const UrlPreviewRecord& p) = 0;
    // Returns how many were fetched before `ts` (and are now gone).
    virtual std::int64_t delete_url_previews_before(std::int64_t ts) = 0;
};

} // namespace myelin::store
