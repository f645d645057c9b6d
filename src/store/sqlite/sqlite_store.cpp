#include "store/sqlite/sqlite_store.hpp"

#include "store/migrations.hpp"
#include <filesystem>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::store {

std::unique_ptr<Store> open_store(const std::string& url) {
    constexpr std::string_view prefix = "sqlite:";
    if (url.rfind(prefix, 0) == 0) {
        std::string path = url.substr(prefix.size());
        if (path.rfind("//", 0) == 0) path = path.substr(2); // accept sqlite://PATH too
        auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        return std::make_unique<sqlite::SqliteStore>(path);
    }
    throw std::runtime_error("unsupported database URL (expected sqlite:PATH): " + url);
}

namespace sqlite {

SqliteStore::SqliteStore(const std::string& path, const std::string& synchronous)
    : db_(path) {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    db_.exec("PRAGMA foreign_keys=ON");
    migrate();
}

void SqliteStore::migrate() {
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

std::optional<std::string> SqliteStore::get_meta(const std::string& key) {
    auto s = db_.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind_all(key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void SqliteStore::put_meta(const std::string& key, const std::string& value) {
    db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind_all(key, value)
        .run();
}

void SqliteStore::checkpoint() {
    db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

} // namespace sqlite
} // namespace myelin::store
