#pragma once
// Plain records that cross the store boundary. No SQL or HTTP types here.
#include <cstdint>
#include <optional>
#include <string>

namespace myelin::store {

struct UserRecord {
    std::string user_id;
    std::optional<std::string> password_hash; // absent: no password login
    bool is_admin = false;
    bool deactivated = false;
    std::int64_t created_ts = 0;
};

struct DeviceRecord {
    std::string user_id;
    std::string device_id;
    std::optional<std::string> display_name;
    std::optional<std::string> last_seen_ip;
    std::optional<std::int64_t> last_seen_ts;
};

// A new device and the access token it logs in with (stored as a hash only).
struct NewSession {
    std::string device_id;
    std::optional<std::string> display_name;
    std::string token_hash;
    std::string ip;
    std::int64_t ts = 0;
};

struct TokenOwner {
    std::string user_id;
    std::string device_id;
    bool is_admin = false;
};

struct Profile {
    std::optional<std::string> displayname;
    std::optional<std::string> avatar_url;
};

struct PresenceRecord {
    std::string user_id;
    std::string state = "offline"; // online, unavailable, offline
    std::optional<std::string> status_msg;
    std::int64_t last_active_ts = 0;
    std::int64_t stream_position = 0;
};

// A user-interactive-auth session: what it authorises and the stages done (JSON object of
// stage type → the auth dict it passed with). Kept in the database so that the requests of one
// session may reach different processes.
struct UiaSession {
    std::string operation;
    std::string completed = "{}";
    std::int64_t created_ts = 0;
};

struct RegistrationToken {
    std::string token;
    std::optional<std::int64_t> uses_allowed;
    std::int64_t completed = 0;
    std::optional<std::int64_t> expiry_ts;
};

} // namespace myelin::store
