#include "store/sql/sql_store.hpp"

#include "store/migrations.hpp"
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::store::sql {

SqlStore::SqlStore(std::unique_ptr<Connection> conn)
    : conn_(std::move(conn))
    , db_(*conn_) {
    migrate();
}

void SqlStore::migrate() {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
    std::int64_t current = 0;
    {
        auto s = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        if (s.step()) current = s.int64(0);
    }
    const auto& list = migrations();
    if (current > static_cast<std::int64_t>(list.size()))
        throw std::runtime_error("database schema is newer than this Myelin build");
    for (auto v = current; v < static_cast<std::int64_t>(list.size()); ++v) {
        Transaction tx(db_);
        db_.exec(list[static_cast<size_t>(v)]);
        db_.prepare("INSERT INTO schema_migrations (version) VALUES (?1)").bind_all(v + 1).run();
        tx.commit();
        spdlog::info("database migrated to schema version {}", v + 1);
    }
}

std::optional<std::string> SqlStore::get_meta(const std::string& key) {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind_all(key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void SqlStore::put_meta(const std::string& key, const std::string& value) {
    db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind_all(key, value)
        .run();
}

void SqlStore::checkpoint() {
    db_.checkpoint();
}

} // namespace myelin::store::sql
