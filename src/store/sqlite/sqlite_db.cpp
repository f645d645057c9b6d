#include "store/sqlite/sqlite_db.hpp"

#include <stdexcept>

namespace myelin::store::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw std::runtime_error("sqlite: " + what + ": " + sqlite3_errmsg(db));
}
thread_local int g_tx_depth = 0;
} // namespace

Statement::~Statement() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

Statement& Statement::bind(int i, std::string_view v) {
    if (sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail(sqlite3_db_handle(s_), "bind");
    return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(s_, i, v) != SQLITE_OK) fail(sqlite3_db_handle(s_), "bind");
    return *this;
}

Statement& Statement::bind(int i, std::nullptr_t) {
    if (sqlite3_bind_null(s_, i) != SQLITE_OK) fail(sqlite3_db_handle(s_), "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(sqlite3_db_handle(s_), std::string("step ") + sqlite3_sql(s_));
}

void Statement::run() {
    while (step()) {
    }
}

bool Statement::is_null(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL;
}
std::int64_t Statement::int64(int col) const {
    return sqlite3_column_int64(s_, col);
}

std::string Statement::text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

std::optional<std::string> Statement::opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<std::int64_t> Statement::opt_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

Db::Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("cannot open database " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() {
    for (auto& [_, s] : cache_)
        sqlite3_finalize(s);
    sqlite3_close(db_);
}

void Db::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "?";
        sqlite3_free(err);
        throw std::runtime_error("sqlite exec: " + msg);
    }
}

Statement Db::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Statement(it->second);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
        fail(db_, "prepare " + sql);
    cache_.emplace(sql, s);
    return Statement(s);
}

Transaction::Transaction(Db& db)
    : db_(db)
    , outer_(g_tx_depth == 0) {
    if (outer_) db_.exec("BEGIN IMMEDIATE");
    ++g_tx_depth;
}

Transaction::~Transaction() {
    --g_tx_depth;
    if (outer_ && !done_) {
        try {
            db_.exec("ROLLBACK");
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    if (outer_ && !done_) db_.exec("COMMIT");
    done_ = true;
}

std::vector<std::string> Statement::all_text(int col) {
    std::vector<std::string> out;
    while (step())
        out.push_back(text(col));
    return out;
}

} // namespace myelin::store::sqlite
