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

std::optional<MediaRecord> SqlStore::get_media(const std::string& media_id) {
    auto s = db_.prepare("SELECT uploader, content_type, file_name, size, sha256, created_ts, "
                         "last_access_ts, quarantined FROM media WHERE media_id = ?1");
    s.bind_all(media_id);
    if (!s.step()) return std::nullopt;
    MediaRecord m;
    m.media_id = media_id;
    m.uploader = s.text(0);
    m.content_type = s.opt_text(1);
    m.file_name = s.opt_text(2);
    m.size = s.int64(3);
    m.sha256 = s.text(4);
    m.created_ts = s.int64(5);
    m.last_access_ts = s.int64(6);
    m.quarantined = s.int64(7) != 0;
    return m;
}

void SqlStore::touch_media(const std::string& media_id, std::int64_t ts) {
    db_.prepare("UPDATE media SET last_access_ts = ?2 WHERE media_id = ?1")
        .bind_all(media_id, ts)
        .run();
}

std::int64_t SqlStore::count_media_with_hash(const std::string& sha256) {
    auto s = db_.prepare("SELECT COUNT(*) FROM media WHERE sha256 = ?1");
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

} // namespace myelin::store::sql
