#pragma once
// The SQLite driver for the SQL store: one connection to a database file.
#include "store/sql/connection.hpp"
#include <memory>
#include <sqlite3.h>
#include <string>
#include <unordered_map>

namespace myelin::store::sqlite {

class SqliteStatement final : public sql::StatementDriver {
public:
    explicit SqliteStatement(sqlite3_stmt* s)
        : s_(s) {}
    ~SqliteStatement() override;

    void bind_text(int i, std::string_view v) override;
    void bind_int64(int i, std::int64_t v) override;
    void bind_null(int i) override;
    bool step() override;
    bool is_null(int col) const override;
    std::int64_t int64(int col) const override;
    std::string text(int col) const override;
    void reset() noexcept override;

private:
    sqlite3_stmt* s_;
};

class SqliteConnection final : public sql::Connection {
public:
    explicit SqliteConnection(const std::string& path);
    ~SqliteConnection() override;

    void exec(const std::string& sql) override;
    sql::Statement prepare(const std::string& sql) override;
    std::int64_t changes() const override { return sqlite3_changes(db_); }
    void checkpoint() override { exec("PRAGMA wal_checkpoint(TRUNCATE)"); }
    const char* clustered_table_suffix() const override { return " WITHOUT ROWID"; }

protected:
    // IMMEDIATE: take the write lock up front, so two writers never deadlock upgrading.
    // Prepared once and reused (every event append is a transaction; exec parsed them anew).
    void begin() override { prepare("BEGIN IMMEDIATE").run(); }
    void commit() override { prepare("COMMIT").run(); }
    void rollback() override { prepare("ROLLBACK").run(); }

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

} // namespace myelin::store::sqlite
