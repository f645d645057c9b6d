#include "store/sql/sql_store.hpp"

#include "store/migrations.hpp"
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::store::sql {

SqlStore::SqlStore(std::unique_ptr<Connection> conn, ListenerFactory listener, Role role)
    : conn_(std::move(conn))
    , db_(*conn_)
    , listener_(std::move(listener)) {
    if (role == Role::worker) return;
    migrate();
    // Rows from before this process are at or below the newest position so far.
    if (!shared()) {
        auto now = max_stream_position();
        marks_ = WriteMarks{now, now, now};
        tokens_.emplace();
        to_device_empty_.emplace();
    }
}

// The channel every Myelin process on one database listens on.
void SqlStore::notify_peers(const std::string& payload) {
    if (!listener_) return;
    db_.prepare("SELECT pg_notify('myelin', ?1)").bind_all(payload).run();
}

std::unique_ptr<PeerListener> SqlStore::listen_peers() {
    return listener_ ? listener_() : nullptr;
}

void SqlStore::migrate() {
    // Processes started together on one PostgreSQL database take turns (the second finds the
    // schema migrated); SQLite serializes on its write lock anyway.
    if (listener_) db_.exec("SELECT pg_advisory_lock(7340001)");
    struct Unlock {
        SqlStore* s;
        ~Unlock() {
            if (s->listener_) try {
                    s->db_.exec("SELECT pg_advisory_unlock(7340001)");
                } catch (...) {
                }
        }
    } unlock{this};
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
        auto script = list[static_cast<size_t>(v)];
        const std::string marker = "/*CLUSTERED*/";
        for (auto at = script.find(marker); at != std::string::npos; at = script.find(marker))
            script.replace(at, marker.size(), db_.clustered_table_suffix());
        db_.exec(script);
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

std::string SqlStore::put_meta_once(const std::string& key, const std::string& value) {
    db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING")
        .bind_all(key, value)
        .run();
    auto stored = get_meta(key);
    if (!stored) throw std::runtime_error("meta key vanished: " + key);
    return *stored;
}

void SqlStore::checkpoint() {
    db_.checkpoint();
}

namespace {
// One transaction around the batch; the store's own transactions inside it join it.
class SqlBatch final : public WriteBatch {
public:
    explicit SqlBatch(Connection& db)
        : tx_(db) {}
    void commit() override { tx_.commit(); }

private:
    Transaction tx_;
};
} // namespace

std::unique_ptr<WriteBatch> SqlStore::begin_batch() {
    return std::make_unique<SqlBatch>(db_);
}

} // namespace myelin::store::sql
