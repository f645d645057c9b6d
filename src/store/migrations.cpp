#include "store/migrations.hpp"

namespace myelin::store {

const std::vector<std::string>& migrations() {
    static const std::vector<std::string> list = {
        // 1: accounts, devices, access tokens, profiles, registration tokens.
        R"SQL(
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    created_ts BIGINT NOT NULL
);
CREATE TABLE profiles (
    user_id TEXT PRIMARY KEY REFERENCES users(user_id),
    displayname TEXT,
    avatar_url TEXT
);
CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users(user_id),
    device_id TEXT NOT NULL,
    display_name TEXT,
    last_seen_ip TEXT,
    last_seen_ts BIGINT,
    PRIMARY KEY (user_id, device_id)
);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_by_device ON access_tokens(user_id, device_id);
CREATE TABLE registration_tokens (
    token TEXT PRIMARY KEY,
    uses_allowed BIGINT,
    completed BIGINT NOT NULL DEFAULT 0,
    expiry_ts BIGINT
);
)SQL",
    };
    return list;
}

} // namespace myelin::store
