#pragma once
// The driver interface the SQL store is written against: one connection, prepared statements
// cached by SQL text, typed binds and reads, and transactions that roll back unless committed.
// Drivers: store/sqlite (SQLite 3) and store/postgres (libpq). SQL text uses ?1, ?2, ...
// placeholders and the subset of SQL both engines accept (see docs/postgres.md).
// Every failure throws std::runtime_error.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::store::sql {

// One prepared SQL text, implemented by a driver and owned by its connection.
class StatementDriver {
public:
    virtual ~StatementDriver() = default;
    virtual void bind_text(int i, std::string_view v) = 0;
    virtual void bind_int64(int i, std::int64_t v) = 0;
    virtual void bind_null(int i) = 0;
    virtual bool step() = 0; // true: a row is ready
    virtual bool is_null(int col) const = 0;
    virtual std::int64_t int64(int col) const = 0;
    virtual std::string text(int col) const = 0;
    // Forgets bindings and results so the cached statement can be used again; never throws.
    virtual void reset() noexcept = 0;
};

// A handle on a cached prepared statement; resets it when it goes out of scope.
class Statement {
public:
    explicit Statement(StatementDriver& d)
        : d_(&d) {}
    Statement(Statement&& o) noexcept
        : d_(std::exchange(o.d_, nullptr)) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() {
        if (d_) d_->reset();
    }

    Statement& bind(int i, std::string_view v) {
        d_->bind_text(i, v);
        return *this;
    }
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, std::int64_t v) {
        d_->bind_int64(i, v);
        return *this;
    }
    Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Statement& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    Statement& bind(int i, std::nullptr_t) {
        d_->bind_null(i);
        return *this;
    }
    template <class T> Statement& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind(i, nullptr);
    }
    // Binds all arguments to ?1, ?2, ...
    template <class... A> Statement& bind_all(const A&... a) {
        int i = 0;
        (bind(++i, a), ...);
        return *this;
    }

    bool step() { return d_->step(); }
    // Ready to bind and run again (for one statement run over many rows).
    void reset() noexcept { d_->reset(); }
    void run() {
        while (step()) {
        }
    }

    bool is_null(int col) const { return d_->is_null(col); }
    std::int64_t int64(int col) const { return d_->int64(col); }
    std::string text(int col) const { return d_->text(col); }
    std::optional<std::string> opt_text(int col) const {
        if (is_null(col)) return std::nullopt;
        return text(col);
    }
    std::optional<std::int64_t> opt_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }
    // Steps through the remaining rows and returns one text column of each.
    std::vector<std::string> all_text(int col = 0) {
        std::vector<std::string> out;
        while (step())
            out.push_back(text(col));
        return out;
    }

private:
    StatementDriver* d_;
};

class Connection {
public:
    virtual ~Connection() = default;
    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs a script of one or more statements without parameters (migrations, PRAGMAs).
    virtual void exec(const std::string& sql) = 0;
    // Returns the cached prepared statement for this SQL text.
    virtual Statement prepare(const std::string& sql) = 0;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    virtual std::int64_t changes() const = 0;
    // Flushes what the engine buffers outside the database proper (SQLite's WAL).
    virtual void checkpoint() {}
    // What follows CREATE TABLE's closing parenthesis for a table stored in primary-key order
    // (migrations write the marker /*CLUSTERED*/ there): SQLite's WITHOUT ROWID, nothing on
    // PostgreSQL.
    virtual const char* clustered_table_suffix() const { return ""; }
    bool in_transaction() const { return tx_depth_ > 0; }

protected:
    friend class Transaction;
    virtual void begin() = 0;
    virtual void commit() { exec("COMMIT"); }
    virtual void rollback() { exec("ROLLBACK"); }

private:
    int tx_depth_ = 0;
};

// Begins a transaction on construction; rolls it back on destruction unless commit() was called.
// Nested use is allowed: inner transactions join the outer one.
class Transaction {
public:
    explicit Transaction(Connection& c);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& c_;
    bool outer_;
    bool done_ = false;
};

} // namespace myelin::store::sql
