#pragma once
// The one storage interface. Services talk to it; only its implementations know SQL and which
// database engine is behind it. Every method that changes several rows does so atomically.
#include "store/account_data_store.hpp"
#include "store/directory_store.hpp"
#include "store/event_store.hpp"
#include "store/filter_store.hpp"
#include "store/key_store.hpp"
#include "store/media_store.hpp"
#include "store/push_action_store.hpp"
#include "store/receipt_store.hpp"
#include "store/records.hpp"
#include "store/server_key_store.hpp"
#include "store/to_device_store.hpp"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace myelin::store {

class AccountStore {
public:
    virtual ~AccountStore() = default;

    virtual bool user_exists(const std::string& user_id) = 0;
    virtual std::optional<UserRecord> get_user(const std::string& user_id) = 0;
    // Creates the user, its profile and (optionally) a first device with its token.
    // Returns false if the user id is taken (no row is written then).
    virtual bool create_user(const UserRecord& user, const Profile& profile,
                             const std::optional<NewSession>& session) = 0;
    virtual std::int64_t count_users() = 0;
    virtual void set_password_hash(const std::string& user_id, const std::string& hash) = 0;
    virtual void set_admin(const std::string& user_id, bool admin) = 0;
    // Marks the account deactivated and removes its devices, tokens and profile.
    virtual void deactivate_user(const std::string& user_id) = 0;

    // Creates the device (or reuses it if it exists) and adds the token to it.
    virtual void add_session(const std::string& user_id, const NewSession& session) = 0;
    virtual std::optional<TokenOwner> find_token(const std::string& token_hash) = 0;
    virtual std::vector<DeviceRecord> list_devices(const std::string& user_id) = 0;
    virtual std::optional<DeviceRecord> get_device(const std::string& user_id,
                                                   const std::string& device_id) = 0;
    virtual bool set_device_display_name(const std::string& user_id, const std::string& device_id,
                                         const std::string& name) = 0;
    virtual void touch_device(const std::string& user_id, const std::string& device_id,
                              const std::string& ip, std::int64_t ts) = 0;
    // Deletes devices with their tokens. Returns how many devices existed.
    virtual std::size_t delete_devices(const std::string& user_id,
                                       const std::vector<std::string>& device_ids) = 0;
    // Deletes every device of the user except `keep_device_id` (empty: all of them).
    virtual void delete_all_devices(const std::string& user_id,
                                    const std::string& keep_device_id) = 0;

    virtual Profile get_profile(const std::string& user_id) = 0;
    virtual void set_displayname(const std::string& user_id,
                                 const std::optional<std::string>& name) = 0;
    virtual void set_avatar_url(const std::string& user_id,
                                const std::optional<std::string>& url) = 0;

    // Presence: storing a change takes a new stream position (returned).
    virtual std::int64_t put_presence(const PresenceRecord& p) = 0;
    virtual std::optional<PresenceRecord> get_presence(const std::string& user_id) = 0;
    virtual std::vector<PresenceRecord> presence_changes(std::int64_t from, std::int64_t to) = 0;

    virtual void put_uia_session(const std::string& id, const UiaSession& s) = 0;
    virtual std::optional<UiaSession> get_uia_session(const std::string& id) = 0;
    // Deletes the session; true if it existed (so only one request can complete it).
    virtual bool take_uia_session(const std::string& id) = 0;
    virtual void expire_uia_sessions(std::int64_t created_before_ts) = 0;

    virtual void put_registration_token(const RegistrationToken& t) = 0;
    virtual std::optional<RegistrationToken> get_registration_token(const std::string& token) = 0;
    // Counts one completed use if the token is still valid at `now_ts`; false otherwise.
    virtual bool consume_registration_token(const std::string& token, std::int64_t now_ts) = 0;
};

class MetaStore {
public:
    virtual ~MetaStore() = default;
    virtual std::optional<std::string> get_meta(const std::string& key) = 0;
    virtual void put_meta(const std::string& key, const std::string& value) = 0;
    // Stores key → value unless the key exists (another process may race to create it);
    // returns the value stored under the key.
    virtual std::string put_meta_once(const std::string& key, const std::string& value) = 0;
};

// Messages from the other processes that share the database (PostgreSQL LISTEN). The owner
// waits for socket() to become readable, then calls drain().
class PeerListener {
public:
    virtual ~PeerListener() = default;
    virtual int socket() const = 0;
    // The payloads that arrived; throws when the connection is lost.
    virtual std::vector<std::string> drain() = 0;
};

// Writes that stand or fall together: whatever the store writes between begin_batch() and the
// batch's commit() is rolled back if the batch is destroyed uncommitted (an error thrown
// half-way), and lost whole if the process dies first.
class WriteBatch {
public:
    virtual ~WriteBatch() = default;
    virtual void commit() = 0;
};

// Split by concern: each service is handed the parts it uses.
class Store : public AccountStore,
              public MetaStore,
              public EventStore,
              public ReceiptStore,
              public ToDeviceStore,
              public FilterStore,
              public DirectoryStore,
              public PushActionStore,
              public AccountDataStore,
              public KeyStore,
              public MediaStore,
              public ServerKeyStore {
public:
    virtual std::unique_ptr<WriteBatch> begin_batch() = 0;
    // Flushes and checkpoints before the process exits.
    virtual void checkpoint() = 0;
    // Several processes can share this database (PostgreSQL; SQLite is one process only).
    virtual bool shared() const { return false; }
    // Sends a payload to every listening process, this one included (NOTIFY).
    virtual void notify_peers(const std::string& payload) { (void)payload; }
    // A new connection listening for notify_peers payloads; null when not shared().
    virtual std::unique_ptr<PeerListener> listen_peers() { return nullptr; }
    // Told every stream position this process takes (inside the writing transaction).
    std::function<void(std::int64_t)> position_taken;
};

// Opens the database named by a URL ("sqlite:PATH" or
// "postgresql://USER:PASSWORD@HOST:PORT/DBNAME"), running pending migrations.
// sqlite_synchronous: "full" (durable across power loss) or "normal" (across process crashes);
// ignored for PostgreSQL.
std::unique_ptr<Store> open_store(const std::string& url,
                                  const std::string& sqlite_synchronous = "full");
// Another connection to a database open_store has opened (and migrated), for a DbPool thread:
// no caches, no peer listener.
std::unique_ptr<Store> open_worker_store(const std::string& url,
                                         const std::string& sqlite_synchronous = "full");
// How many DbPool threads serve a database by default (config `database_threads`).
std::size_t default_database_threads(const std::string& url);

// Held by a serving process for its whole life. A SQLite database has one serving process:
// its in-memory caches (the sync caches, the store's write marks) count on seeing every write.
// A second `serve` on the same file is refused (an exclusive flock on "PATH-serve.lock", which
// the kernel releases when the holder dies, even by SIGKILL). Nothing to hold on PostgreSQL.
class ServeLock {
public:
    explicit ServeLock(int fd)
        : fd_(fd) {}
    ~ServeLock();
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;

private:
    int fd_;
};
// Throws std::runtime_error naming the lock file when another process holds it.
std::unique_ptr<ServeLock> lock_for_serving(const std::string& url);

} // namespace myelin::store
