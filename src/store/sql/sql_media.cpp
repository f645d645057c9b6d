// The media repository's metadata.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

bool SqlStore::put_media(const MediaRecord& m) {
    db_.prepare("INSERT INTO media (media_id, uploader, content_type, file_name, size, sha256, "
                "created_ts, last_access_ts, quarantined) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                "?8, ?9) ON CONFLICT (media_id) DO NOTHING")
        .bind_all(m.media_id, m.uploader, m.content_type, m.file_name, m.size, m.sha256,
                  m.created_ts, m.last_access_ts, m.quarantined)
        .run();
    return db_.changes() > 0;
}

namespace {
constexpr const char* kMediaColumns = "media_id, uploader, content_type, file_name, size, sha256, "
                                      "created_ts, last_access_ts, quarantined";

template <class Stmt> MediaRecord media_row(Stmt& s) {
    MediaRecord m;
    m.media_id = s.text(0);
    m.uploader = s.text(1);
    m.content_type = s.opt_text(2);
    m.file_name = s.opt_text(3);
    m.size = s.int64(4);
    m.sha256 = s.text(5);
    m.created_ts = s.int64(6);
    m.last_access_ts = s.int64(7);
    m.quarantined = s.int64(8) != 0;
    return m;
}
} // namespace

std::optional<MediaRecord> SqlStore::get_media(const std::string& media_id) {
    auto s =
        db_.prepare(std::string("SELECT ") + kMediaColumns + " FROM media WHERE media_id = ?1");
    s.bind_all(media_id);
    if (!s.step()) return std::nullopt;
    return media_row(s);
}

std::vector<MediaRecord> SqlStore::media_unused_since(std::int64_t ts, std::int64_t limit) {
    auto s = db_.prepare(std::string("SELECT ") + kMediaColumns +
                         " FROM media WHERE last_access_ts < ?1 ORDER BY last_access_ts LIMIT ?2");
    s.bind_all(ts, limit);
    std::vector<MediaRecord> out;
    while (s.step())
        out.push_back(media_row(s));
    return out;
}

std::int64_t SqlStore::media_bytes_of(const std::string& uploader) {
    auto s = db_.prepare("SELECT COALESCE(SUM(size), 0) FROM media WHERE uploader = ?1");
    s.bind_all(uploader);
    s.step();
    return s.int64(0);
}

bool SqlStore::set_media_quarantined(const std::string& media_id, bool quarantined) {
    db_.prepare("UPDATE media SET quarantined = ?2 WHERE media_id = ?1")
        .bind_all(media_id, quarantined)
        .run();
    return db_.changes() > 0;
}

std::vector<std::string> SqlStore::delete_media(const std::string& media_id) {
    std::vector<std::string> hashes;
    auto t = db_.prepare("SELECT sha256 FROM media_thumbnails WHERE media_id = ?1");
    t.bind_all(media_id);
    while (t.step())
        hashes.push_back(t.text(0));
    auto m = db_.prepare("SELECT sha256 FROM media WHERE media_id = ?1");
    m.bind_all(media_id);
    if (m.step()) hashes.push_back(m.text(0));
    db_.prepare("DELETE FROM media_thumbnails WHERE media_id = ?1").bind_all(media_id).run();
    db_.prepare("DELETE FROM media WHERE media_id = ?1").bind_all(media_id).run();
    return hashes;
}

void SqlStore::touch_media(const std::string& media_id, std::int64_t ts) {
    db_.prepare("UPDATE media SET last_access_ts = ?2 WHERE media_id = ?1")
        .bind_all(media_id, ts)
        .run();
}

std::int64_t SqlStore::count_media_with_hash(const std::string& sha256) {
    auto s = db_.prepare("SELECT (SELECT COUNT(*) FROM media WHERE sha256 = ?1) + "
                         "(SELECT COUNT(*) FROM media_thumbnails WHERE sha256 = ?1)");
    s.bind_all(sha256);
    s.step();
    return s.int64(0);
}

void SqlStore::put_thumbnail(const ThumbnailRecord& t) {
    db_.prepare("INSERT INTO media_thumbnails (media_id, width, height, method, animated, "
                "content_type, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                "ON CONFLICT (media_id, width, height, method, animated) DO NOTHING")
        .bind_all(t.media_id, t.width, t.height, t.method, t.animated, t.content_type, t.size,
                  t.sha256)
        .run();
}

bool SqlStore::get_thumbnail(ThumbnailRecord& key) {
    auto s = db_.prepare("SELECT content_type, size, sha256 FROM media_thumbnails WHERE "
                         "media_id = ?1 AND width = ?2 AND height = ?3 AND method = ?4 AND "
                         "animated = ?5");
    s.bind_all(key.media_id, key.width, key.height, key.method, key.animated);
    if (!s.step()) return false;
    key.content_type = s.text(0);
    key.size = s.int64(1);
    key.sha256 = s.text(2);
    return true;
}

bool SqlStore::put_pending_media(const PendingMedia& p) {
    // An id already uploaded is taken too (ids are random: this is a collision, not a race).
    auto s = db_.prepare("SELECT 1 FROM media WHERE media_id = ?1");
    s.bind_all(p.media_id);
    if (s.step()) return false;
    db_.prepare("INSERT INTO media_pending (media_id, uploader, expires_ts) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (media_id) DO NOTHING")
        .bind_all(p.media_id, p.uploader, p.expires_ts)
        .run();
    return db_.changes() > 0;
}

std::optional<PendingMedia> SqlStore::get_pending_media(const std::string& media_id) {
    auto s = db_.prepare("SELECT uploader, expires_ts FROM media_pending WHERE media_id = ?1");
    s.bind_all(media_id);
    if (!s.step()) return std::nullopt;
    return PendingMedia{media_id, s.text(0), s.int64(1)};
}

void SqlStore::delete_pending_media(const std::string& media_id) {
    db_.prepare("DELETE FROM media_pending WHERE media_id = ?1").bind_all(media_id).run();
}

std::int64_t SqlStore::count_pending_media(const std::string& uploader, std::int64_t now_ts) {
    auto s =
        db_.prepare("SELECT COUNT(*) FROM media_pending WHERE uploader = ?1 AND expires_ts > ?2");
    s.bind_all(uploader, now_ts);
    s.step();
    return s.int64(0);
}

void SqlStore::expire_pending_media(std::int64_t now_ts) {
    db_.prepare("DELETE FROM media_pending WHERE expires_ts <= ?1").bind_all(now_ts).run();
}

std::optional<UrlPreviewRecord> SqlStore::get_url_preview(const std::string& url) {
    auto s = db_.prepare("SELECT fetched_ts, og FROM url_previews WHERE url = ?1");
    s.bind_all(url);
    if (!s.step()) return std::nullopt;
    return UrlPreviewRecord{url, s.int64(0), s.text(1)};
}

void SqlStore::put_url_preview(const UrlPreviewRecord& p) {
    db_.prepare(
           "INSERT INTO url_previews (url, fetched_ts, og) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (url) DO UPDATE SET fetched_ts = excluded.fetched_ts, og = excluded.og")
        .bind_all(p.url, p.fetched_ts, p.og_json)
        .run();
}

std::int64_t SqlStore::delete_url_previews_before(std::int64_t ts) {
    db_.prepare("DELETE FROM url_previews WHERE fetched_ts < ?1").bind_all(ts).run();
    return db_.changes();
}

} // namespace myelin::store::sql
