#include "store/postgres/pg_connection.hpp"

#include "store/postgres/pg_placeholders.hpp"
#include "store/postgres/pg_url.hpp"
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::store::postgres {

namespace {
constexpr Oid kInt8Oid = 20; // pg_type.oid of bigint

std::string trimmed(const char* msg) {
    std::string s = msg ? msg : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

void log_notice(void*, const char* message) {
    spdlog::debug("postgres: {}", trimmed(message));
}

} // namespace

// ---- PgConnection

PgConnection::PgConnection(const std::string& url) {
    // The URL is expanded as the dbname; client_encoding rides along so PQreset keeps it.
    const char* keys[] = {"dbname", "client_encoding", nullptr};
    const char* values[] = {url.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_) throw std::runtime_error("postgres: out of memory connecting");
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw std::runtime_error("cannot connect to PostgreSQL database " + redact_password(url) +
                                 ": " + msg);
    }
    PQsetNoticeProcessor(conn_, log_notice, nullptr);
}

PgConnection::~PgConnection() {
    cache_.clear(); // statements clear their results before the connection goes
    if (conn_) PQfinish(conn_);
}

void PgConnection::check(PGresult* r, const std::string& what) {
    auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    std::string msg = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (msg.empty()) msg = trimmed(PQerrorMessage(conn_));
    PQclear(r);
    if (PQstatus(conn_) == CONNECTION_BAD) {
        // The server went away (restart, failover): this query fails, but reconnect so the
        // next ones can work. Statements prepared on the old session are gone with it.
        PQreset(conn_);
        if (PQstatus(conn_) == CONNECTION_OK) {
            ++generation_;
            spdlog::warn("postgres: connection lost ({}); reconnected", msg);
        }
    }
    throw std::runtime_error("postgres: " + what + ": " + msg);
}

void PgConnection::exec(const std::string& sql) {
    // A multi-statement script runs in one round trip (and, outside BEGIN, as one transaction).
    PGresult* r = PQexec(conn_, sql.c_str());
    check(r, "exec");
    PQclear(r);
}

sql::Statement PgConnection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return sql::Statement(*it->second);
    auto stmt = std::make_unique<PgStatement>(*this, sql); // may throw: cache nothing then
    auto& entry = cache_.emplace(sql, std::move(stmt)).first->second;
    return sql::Statement(*entry);
}

// ---- PgStatement

PgStatement::PgStatement(PgConnection& conn, std::string_view sql)
    : conn_(conn)
    , original_sql_(sql) {
    auto r = rewrite_placeholders(sql);
    sql_ = std::move(r.sql);
    values_.resize(static_cast<std::size_t>(r.param_count));
    types_.resize(values_.size(), 0);
}

std::size_t PgStatement::slot(int i) const {
    if (i < 1 || static_cast<std::size_t>(i) > values_.size())
        throw std::runtime_error("postgres: bind index " + std::to_string(i) + " out of range in " +
                                 original_sql_);
    return static_cast<std::size_t>(i - 1);
}

void PgStatement::bind_text(int i, std::string_view v) {
    auto k = slot(i);
    values_[k] = std::string(v);
    types_[k] = 0;
}

void PgStatement::bind_int64(int i, std::int64_t v) {
    auto k = slot(i);
    values_[k] = std::to_string(v);
    types_[k] = kInt8Oid;
}

void PgStatement::bind_null(int i) {
    auto k = slot(i);
    values_[k].reset();
    types_[k] = 0;
}

const std::string& PgStatement::server_name() {
    // Integers are declared bigint, so arithmetic on them never narrows to integer; text and
    // NULL take the type their context gives them. One server-side statement per type list.
    if (generation_ != conn_.generation()) { // reconnected since: prepare again
        prepared_.clear();
        generation_ = conn_.generation();
    }
    auto it = prepared_.find(types_);
    if (it != prepared_.end()) return it->second;
    std::string name = conn_.next_statement_name();
    PGresult* r = PQprepare(conn_.handle(), name.c_str(), sql_.c_str(),
                            static_cast<int>(types_.size()), types_.data());
    conn_.check(r, "prepare " + original_sql_);
    PQclear(r);
    return prepared_.emplace(types_, std::move(name)).first->second;
}

void PgStatement::execute() {
    const std::string& name = server_name();
    std::vector<const char*> values(values_.size());
    for (std::size_t k = 0; k < values_.size(); ++k)
        values[k] = values_[k] ? values_[k]->c_str() : nullptr;
    PGresult* r = PQexecPrepared(conn_.handle(), name.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0);
    conn_.check(r, original_sql_);
    const char* tuples = PQcmdTuples(r);
    if (tuples && *tuples) conn_.set_changes(std::strtoll(tuples, nullptr, 10));
    result_ = r;
    row_ = -1;
}

bool PgStatement::step() {
    if (!result_) execute();
    if (row_ < PQntuples(result_)) ++row_;
    return row_ < PQntuples(result_);
}

bool PgStatement::is_null(int col) const {
    return PQgetisnull(result_, row_, col) != 0;
}

std::int64_t PgStatement::int64(int col) const {
    if (is_null(col)) return 0; // as sqlite3_column_int64 does
    const char* v = PQgetvalue(result_, row_, col);
    int len = PQgetlength(result_, row_, col);
    if (len == 1 && (v[0] == 't' || v[0] == 'f')) return v[0] == 't'; // a boolean expression
    std::int64_t out = 0;
    auto [end, ec] = std::from_chars(v, v + len, out);
    if (ec != std::errc() || end != v + len)
        throw std::runtime_error(
            "postgres: column " + std::to_string(col) + " is not an integer (" +
            std::string(v, static_cast<std::size_t>(len)) + ") in " + original_sql_);
    return out;
}

std::string PgStatement::text(int col) const {
    if (is_null(col)) return {};
    return std::string(PQgetvalue(result_, row_, col),
                       static_cast<std::size_t>(PQgetlength(result_, row_, col)));
}

void PgStatement::reset() noexcept {
    if (result_) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    for (auto& v : values_)
        v.reset();
    std::fill(types_.begin(), types_.end(), 0);
}

} // namespace myelin::store::postgres
