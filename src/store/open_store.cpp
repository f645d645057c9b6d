// Picks the backend from the database URL.
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_listener.hpp"
#include "store/postgres/pg_url.hpp"
#include "store/sql/sql_store.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <sys/file.h>
#include <unistd.h>

namespace myelin::store {

namespace {
constexpr std::string_view kSqlitePrefix = "sqlite:";

// The file of a "sqlite:PATH" (or "sqlite://PATH") URL; nullopt for other URLs.
std::optional<std::string> sqlite_path(const std::string& url) {
    if (url.rfind(kSqlitePrefix, 0) != 0) return std::nullopt;
    auto path = url.substr(kSqlitePrefix.size());
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    return path;
}

// The data directory a SQLite file (or its lock file) goes in. The database holds the
// server's signing key, password hashes and key backups: a directory made here is the
// owner's alone (0700), and so is the file (0600; SQLite gives its -wal and -shm files the
// database file's mode).
void create_parent_directory(const std::string& path) {
    auto parent = std::filesystem::path(path).parent_path();
    if (parent.empty() || std::filesystem::exists(parent)) return;
    std::filesystem::create_directories(parent);
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
}

void create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
}

// synchronous: "full" (durable across power loss) or "normal" (across process crashes).
std::unique_ptr<sql::Connection> open_sqlite(const std::string& path,
                                             const std::string& synchronous) {
    create_parent_directory(path);
    if (path != ":memory:" && !std::filesystem::exists(path)) create_private_file(path);
    auto conn = std::make_unique<sqlite::SqliteConnection>(path);
    conn->exec("PRAGMA journal_mode=WAL");
    conn->exec(synchronous == "normal" ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    conn->exec("PRAGMA foreign_keys=ON");
    return conn;
}
} // namespace

std::unique_ptr<Store> open_store(const std::string& url, const std::string& sqlite_synchronous) {
    if (auto path = sqlite_path(url))
        return std::make_unique<sql::SqlStore>(open_sqlite(*path, sqlite_synchronous));
    if (postgres::is_postgres_url(url))
        return std::make_unique<sql::SqlStore>(
            std::make_unique<postgres::PgConnection>(url),
            [url] { return std::make_unique<postgres::PgListener>(url); });
    throw std::runtime_error("unsupported database URL (expected sqlite:PATH or "
                             "postgresql://USER:PASSWORD@HOST:PORT/DBNAME): " +
                             postgres::redact_password(url));
}

std::unique_ptr<Store> open_worker_store(const std::string& url,
                                         const std::string& sqlite_synchronous) {
    using Role = sql::SqlStore::Role;
    if (auto path = sqlite_path(url)) {
        auto conn = open_sqlite(*path, sqlite_synchronous);
        return std::make_unique<sql::SqlStore>(std::move(conn), nullptr, Role::worker);
    }
    if (postgres::is_postgres_url(url))
        return std::make_unique<sql::SqlStore>(std::make_unique<postgres::PgConnection>(url),
                                               nullptr, Role::worker);
    throw std::runtime_error("unsupported database URL: " + postgres::redact_password(url));
}

std::size_t default_database_threads(const std::string& url) {
    // PostgreSQL: every statement is a round trip to another process. SQLite: a read costs
    // less than handing it to a thread (docs/benchmarks.md, thirteenth round).
    return postgres::is_postgres_url(url) ? 4 : 0;
}

ServeLock::~ServeLock() {
    ::close(fd_); // releases the flock
}

std::unique_ptr<ServeLock> lock_for_serving(const std::string& url) {
    auto path = sqlite_path(url);
    if (!path) return nullptr;
    create_parent_directory(*path);
    auto lock_path = *path + "-serve.lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + lock_path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK)
            throw std::runtime_error("another myelin process is serving this SQLite database (" +
                                     lock_path + " is locked); SQLite has one serving process");
        throw std::runtime_error("cannot lock " + lock_path + ": " + std::strerror(err));
    }
    return std::make_unique<ServeLock>(fd);
}

} // namespace myelin::store
