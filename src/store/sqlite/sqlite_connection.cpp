#include "store/sqlite/sqlite_connection.hpp"

#include <stdexcept>

namespace myelin::store::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw std::runtime_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}
} // namespace

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(s_);
}

void SqliteStatement::reset() noexcept {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

void SqliteStatement::bind_text(int i, std::string_view v) {
    if (sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail(sqlite3_db_handle(s_), "bind");
}

void SqliteStatement::bind_int64(int i, std::int64_t v) {
    if (sqlite3_bind_int64(s_, i, v) != SQLITE_OK) fail(sqlite3_db_handle(s_), "bind");
}

void SqliteStatement::bind_null(int i) {
    if (sqlite3_bind_null(s_, i) != SQLITE_OK) fail(sqlite3_db_handle(s_), "bind");
}

bool SqliteStatement::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(sqlite3_db_handle(s_), std::string("step ") + sqlite3_sql(s_));
}

bool SqliteStatement::is_null(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL;
}

std::int64_t SqliteStatement::int64(int col) const {
    return sqlite3_column_int64(s_, col);
}

std::string SqliteStatement::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

SqliteConnection::SqliteConnection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("cannot open database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
}

SqliteConnection::~SqliteConnection() {
    cache_.clear(); // finalizes every statement before the connection closes
    sqlite3_close(db_);
}

void SqliteConnection::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "?";
        sqlite3_free(err);
        throw std::runtime_error("sqlite exec: " + msg);
    }
}

sql::Statement SqliteConnection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return sql::Statement(*it->second);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
        fail(db_, "prepare " + sql);
    auto& entry = cache_.emplace(sql, std::make_unique<SqliteStatement>(s)).first->second;
    return sql::Statement(*entry);
}

} // namespace myelin::store::sqlite
