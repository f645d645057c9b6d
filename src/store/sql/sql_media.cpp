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

} // namespace myelin::store::sql
