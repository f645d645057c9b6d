// Picks the backend from the database URL.
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_listener.hpp"
#include "store/postgres/pg_url.hpp"
#include "store/sql/sql_store.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include <filesystem>
#include <stdexcept>

namespace myelin::store {

namespace {
// synchronous: "full" (durable across power loss) or "normal" (across process crashes).
std::unique_ptr<sql::Connection> open_sqlite(std::string path, const std::string& synchronous) {
    if (path.rfind("//", 0) == 0) path = path.substr(2); // accept sqlite://PATH too
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    auto conn = std::make_unique<sqlite::SqliteConnection>(path);
    conn->exec("PRAGMA journal_mode=WAL");
    conn->exec(synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    conn->exec("PRAGMA foreign_keys=ON");
    return conn;
}
} // namespace

std::unique_ptr<Store> open_store(const std::string& url, const std::string& sqlite_synchronous) {
    constexpr std::string_view sqlite_prefix = "sqlite:";
    if (url.rfind(sqlite_prefix, 0) == 0)
        return std::make_unique<sql::SqlStore>(
            open_sqlite(url.substr(sqlite_prefix.size()), sqlite_synchronous));
    if (postgres::is_postgres_url(url))
        return std::make_unique<sql::SqlStore>(
            std::make_unique<postgres::PgConnection>(url),
            [url] { return std::make_unique<postgres::PgListener>(url); });
    throw std::runtime_error("unsupported database URL (expected sqlite:PATH or "
                             "postgresql://USER:PASSWORD@HOST:PORT/DBNAME): " +
                             postgres::redact_password(url));
}

} // namespace myelin::store
