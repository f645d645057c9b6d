#pragma once
// A thin RAII layer over the SQLite C API: one connection, cached prepared statements,
// typed binds and reads, and transactions that roll back unless committed.
#include <cstdint>
#include <memory>
#include <optional>
#include <sqlite3.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace myelin::store::sqlite {

class Statement {
public:
    explicit Statement(sqlite3_stmt* s)
        : s_(s) {}
    Statement(const Statement&) = delete;
    ~Statement(); // resets and clears bindings, so a cached statement can be reused

    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Statement& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Statement& bind(int i, std::nullptr_t);
    template <class T> Statement& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind(i, nullptr);
    }
    // Binds all arguments to ?1, ?2, ...
    template <class... A> Statement& bind_all(const A&... a) {
        int i = 0;
        (bind(++i, a), ...);
        return *this;
    }

    bool step(); // true: a row is ready
    void run();  // steps to completion

    bool is_null(int col) const;
    std::int64_t int64(int col) const;
    std::string text(int col) const;
    std::optional<std::string> opt_text(int col) const;
    std::optional<std::int64_t> opt_int64(int col) const;
    // Steps through the remaining rows and returns one text column of each.
    std::vector<std::string> all_text(int col = 0);

private:
    sqlite3_stmt* s_;
};

class Db {
public:
    explicit Db(const std::string& path);
    ~Db();
    Db(const Db&) = delete;

    void exec(const std::string& sql);
    // Returns a cached prepared statement (reset on release).
    Statement prepare(const std::string& sql);
    std::int64_t changes() const { return sqlite3_changes(db_); }
    sqlite3* handle() { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
// Nested use is allowed: inner transactions join the outer one.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool outer_;
    bool done_ = false;
};

} // namespace myelin::store::sqlite
