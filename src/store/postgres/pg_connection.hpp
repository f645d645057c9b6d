#pragma once
// The PostgreSQL driver for the SQL store: one libpq connection, statements prepared on the
// server once per SQL text (and parameter types), parameters and results in text format.
#include "store/sql/connection.hpp"
#include <libpq-fe.h>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::store::postgres {

class PgConnection;

class PgStatement final : public sql::StatementDriver {
public:
    PgStatement(PgConnection& conn, std::string_view sql);
    ~PgStatement() override { reset(); }

    void bind_text(int i, std::string_view v) override;
    void bind_int64(int i, std::int64_t v) override;
    void bind_null(int i) override;
    bool step() override;
    bool is_null(int col) const override;
    std::int64_t int64(int col) const override;
    std::string text(int col) const override;
    void reset() noexcept override;

private:
    std::size_t slot(int i) const;
    const std::string& server_name(); // prepares on first use of these parameter types
    void execute();

    PgConnection& conn_;
    std::string original_sql_; // as the store wrote it, for error messages
    std::string sql_;          // with $N placeholders
    std::vector<std::optional<std::string>> values_;
    std::vector<Oid> types_; // int8 for integers, 0 (inferred from context) for text and NULL
    std::map<std::vector<Oid>, std::string> prepared_; // server-side names by parameter types
    int generation_ = 0;                               // of the connection they were made on
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PgConnection final : public sql::Connection {
public:
    // url: postgresql://user:password@host:port/dbname (anything libpq accepts).
    explicit PgConnection(const std::string& url);
    ~PgConnection() override;

    void exec(const std::string& sql) override;
    sql::Statement prepare(const std::string& sql) override;
    std::int64_t changes() const override { return changes_; }

    // For PgStatement.
    PGconn* handle() { return conn_; }
    std::string next_statement_name() { return "myelin_" + std::to_string(++statement_count_); }
    void set_changes(std::int64_t n) { changes_ = n; }
    int generation() const { return generation_; } // bumped on every reconnect
    // Throws with the server's message unless the result has one of the two good statuses.
    void check(PGresult* r, const std::string& what);

protected:
    // READ COMMITTED is enough: writers serialize on the stream_positions row (see
    // SqlStore::next_stream_position), and the rest are single-row upserts or idempotent.
    void begin() override { exec("BEGIN"); }

private:
    PGconn* conn_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<PgStatement>> cache_;
    std::int64_t changes_ = 0;
    int statement_count_ = 0;
    int generation_ = 0;
};

} // namespace myelin::store::postgres
