#pragma once
// The media repository's metadata: one row per media id. The bytes are files the media service
// keeps on disk, content-addressed by their SHA-256, so identical uploads share one file.
#include <cstdint>
#include <optional>
#include <string>

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

class MediaStore {
public:
    virtual ~MediaStore() = default;
    // False (nothing written) when the media id exists.
    virtual bool put_media(const MediaRecord& m) = 0;
    virtual std::optional<MediaRecord> get_media(const std::string& media_id) = 0;
    virtual void touch_media(const std::string& media_id, std::int64_t ts) = 0;
    // How many media ids name the file with this hash (a file no id names can go).
    virtual std::int64_t count_media_with_hash(const std::string& sha256) = 0;
};

} // namespace myelin::store
