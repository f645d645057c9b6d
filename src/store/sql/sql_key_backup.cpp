// Server-side key backup (/room_keys).
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

std::int64_t SqlStore::create_backup_version(const std::string& user_id,
                                             const std::string& algorithm,
                                             const std::string& auth_data) {
    Transaction tx(db_);
    std::int64_t version = 1;
    {
        auto s = db_.prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM backup_versions "
                             "WHERE user_id = ?1");
        s.bind_all(user_id);
        if (s.step()) version = s.int64(0);
    }
    db_.prepare("INSERT INTO backup_versions (user_id, version, algorithm, auth_data) "
                "VALUES (?1, ?2, ?3, ?4)")
        .bind_all(user_id, version, algorithm, auth_data)
        .run();
    tx.commit();
    return version;
}

std::optional<BackupVersion> SqlStore::backup_version(const std::string& user_id,
                                                      std::optional<std::int64_t> version) {
    auto s = version ? db_.prepare("SELECT version, algorithm, auth_data, etag FROM "
                                   "backup_versions WHERE user_id = ?1 AND deleted = 0 AND "
                                   "version = ?2")
                     : db_.prepare("SELECT version, algorithm, auth_data, etag FROM "
                                   "backup_versions WHERE user_id = ?1 AND deleted = 0 AND "
                                   "CAST(?2 AS BIGINT) IS NULL ORDER BY version DESC LIMIT 1");
    s.bind_all(user_id, version);
    if (!s.step()) return std::nullopt;
    return BackupVersion{s.int64(0), s.text(1), s.text(2), s.int64(3)};
}

bool SqlStore::update_backup_version(const std::string& user_id, std::int64_t version,
                                     const std::string& auth_data) {
    db_.prepare("UPDATE backup_versions SET auth_data = ?3 WHERE user_id = ?1 AND version = ?2 "
                "AND deleted = 0")
        .bind_all(user_id, version, auth_data)
        .run();
    return db_.changes() > 0;
}

bool SqlStore::delete_backup_version(const std::string& user_id, std::int64_t version) {
    Transaction tx(db_);
    // The row stays (marked deleted) so the version number is never reused.
    db_.prepare("UPDATE backup_versions SET deleted = 1 WHERE user_id = ?1 AND version = ?2 "
                "AND deleted = 0")
        .bind_all(user_id, version)
        .run();
    bool existed = db_.changes() > 0;
    db_.prepare("DELETE FROM backup_keys WHERE user_id = ?1 AND version = ?2")
        .bind_all(user_id, version)
        .run();
    tx.commit();
    return existed;
}

std::vector<BackupKey> SqlStore::backup_keys(const std::string& user_id, std::int64_t version,
                                             const std::optional<std::string>& room_id,
                                             const std::optional<std::string>& session_id) {
    auto s =
        db_.prepare("SELECT room_id, session_id, json FROM backup_keys WHERE user_id = ?1 "
                    "AND version = ?2 AND (CAST(?3 AS TEXT) IS NULL OR room_id = ?3) AND "
                    "(CAST(?4 AS TEXT) IS NULL OR session_id = ?4) ORDER BY room_id, session_id");
    s.bind_all(user_id, version, room_id, session_id);
    std::vector<BackupKey> out;
    while (s.step())
        out.push_back(BackupKey{s.text(0), s.text(1), s.text(2)});
    return out;
}

void SqlStore::put_backup_keys(const std::string& user_id, std::int64_t version,
                               const std::vector<BackupKey>& keys) {
    Transaction tx(db_);
    for (const auto& k : keys)
        db_.prepare("INSERT INTO backup_keys (user_id, version, room_id, session_id, json) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, version, room_id, "
                    "session_id) DO UPDATE SET json = excluded.json")
            .bind_all(user_id, version, k.room_id, k.session_id, k.json)
            .run();
    if (!keys.empty())
        db_.prepare("UPDATE backup_versions SET etag = etag + 1 WHERE user_id = ?1 AND "
                    "version = ?2")
            .bind_all(user_id, version)
            .run();
    tx.commit();
}

void SqlStore::delete_backup_keys(const std::string& user_id, std::int64_t version,
                                  const std::optional<std::string>& room_id,
                                  const std::optional<std::string>& session_id) {
    Transaction tx(db_);
    db_.prepare("DELETE FROM backup_keys WHERE user_id = ?1 AND version = ?2 AND "
                "(CAST(?3 AS TEXT) IS NULL OR room_id = ?3) AND "
                "(CAST(?4 AS TEXT) IS NULL OR session_id = ?4)")
        .bind_all(user_id, version, room_id, session_id)
        .run();
    if (db_.changes() > 0)
        db_.prepare("UPDATE backup_versions SET etag = etag + 1 WHERE user_id = ?1 AND "
                    "version = ?2")
            .bind_all(user_id, version)
            .run();
    tx.commit();
}

std::int64_t SqlStore::count_backup_keys(const std::string& user_id, std::int64_t version) {
    auto s = db_.prepare("SELECT COUNT(*) FROM backup_keys WHERE user_id = ?1 AND version = ?2");
    s.bind_all(user_id, version);
    s.step();
    return s.int64(0);
}

} // namespace myelin::store::sql
