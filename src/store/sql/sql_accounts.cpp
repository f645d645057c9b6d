// Accounts, devices, access tokens, profiles and registration tokens.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

bool SqlStore::user_exists(const std::string& user_id) {
    auto s = db_.prepare("SELECT 1 FROM users WHERE user_id = ?1");
    s.bind_all(user_id);
    return s.step();
}

std::optional<UserRecord> SqlStore::get_user(const std::string& user_id) {
    auto s = db_.prepare("SELECT user_id, password_hash, is_admin, deactivated, created_ts "
                         "FROM users WHERE user_id = ?1");
    s.bind_all(user_id);
    if (!s.step()) return std::nullopt;
    return UserRecord{s.text(0), s.opt_text(1), s.int64(2) != 0, s.int64(3) != 0, s.int64(4)};
}

bool SqlStore::create_user(const UserRecord& u, const Profile& profile,
                           const std::optional<NewSession>& session) {
    Transaction tx(db_);
    if (user_exists(u.user_id)) return false;
    db_.prepare("INSERT INTO users (user_id, password_hash, is_admin, deactivated, created_ts) "
                "VALUES (?1, ?2, ?3, 0, ?4)")
        .bind_all(u.user_id, u.password_hash, u.is_admin, u.created_ts)
        .run();
    db_.prepare("INSERT INTO profiles (user_id, displayname, avatar_url) VALUES (?1, ?2, ?3)")
        .bind_all(u.user_id, profile.displayname, profile.avatar_url)
        .run();
    if (session) add_session(u.user_id, *session);
    tx.commit();
    return true;
}

std::int64_t SqlStore::count_users() {
    auto s = db_.prepare("SELECT COUNT(*) FROM users");
    s.step();
    return s.int64(0);
}

void SqlStore::set_password_hash(const std::string& user_id, const std::string& hash) {
    db_.prepare("UPDATE users SET password_hash = ?2 WHERE user_id = ?1")
        .bind_all(user_id, hash)
        .run();
}

void SqlStore::set_admin(const std::string& user_id, bool admin) {
    forget_tokens();
    db_.prepare("UPDATE users SET is_admin = ?2 WHERE user_id = ?1").bind_all(user_id, admin).run();
}

void SqlStore::deactivate_user(const std::string& user_id) {
    forget_tokens();
    Transaction tx(db_);
    db_.prepare("UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_id = ?1")
        .bind_all(user_id)
        .run();
    db_.prepare("DELETE FROM access_tokens WHERE user_id = ?1").bind_all(user_id).run();
    db_.prepare("DELETE FROM devices WHERE user_id = ?1").bind_all(user_id).run();
    db_.prepare("UPDATE profiles SET displayname = NULL, avatar_url = NULL WHERE user_id = ?1")
        .bind_all(user_id)
        .run();
    tx.commit();
}

void SqlStore::add_session(const std::string& user_id, const NewSession& s) {
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO devices (user_id, device_id, display_name, last_seen_ip, last_seen_ts) "
           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, device_id) DO UPDATE SET "
           "display_name = COALESCE(excluded.display_name, devices.display_name), "
           "last_seen_ip = excluded.last_seen_ip, last_seen_ts = excluded.last_seen_ts")
        .bind_all(user_id, s.device_id, s.display_name, s.ip, s.ts)
        .run();
    db_.prepare("INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts) "
                "VALUES (?1, ?2, ?3, ?4)")
        .bind_all(s.token_hash, user_id, s.device_id, s.ts)
        .run();
    tx.commit();
}

std::optional<TokenOwner> SqlStore::find_token(const std::string& token_hash) {
    if (tokens_) {
        if (auto it = tokens_->find(token_hash); it != tokens_->end()) return it->second;
    }
    auto s = db_.prepare("SELECT t.user_id, t.device_id, u.is_admin FROM access_tokens t "
                         "JOIN users u ON u.user_id = t.user_id "
                         "WHERE t.token_hash = ?1 AND u.deactivated = 0");
    s.bind_all(token_hash);
    if (!s.step()) return std::nullopt;
    TokenOwner owner{s.text(0), s.text(1), s.int64(2) != 0};
    // Not inside a transaction: one that rolls back could take the token's row with it.
    if (tokens_ && !db_.in_transaction()) {
        if (tokens_->size() >= kMaxCachedTokens) tokens_->clear();
        tokens_->emplace(token_hash, owner);
    }
    return owner;
}

namespace {
DeviceRecord read_device(const Statement& s) {
    return DeviceRecord{s.text(0), s.text(1), s.opt_text(2), s.opt_text(3), s.opt_int64(4)};
}
} // namespace

std::vector<DeviceRecord> SqlStore::list_devices(const std::string& user_id) {
    auto s = db_.prepare("SELECT user_id, device_id, display_name, last_seen_ip, last_seen_ts "
                         "FROM devices WHERE user_id = ?1 ORDER BY device_id");
    s.bind_all(user_id);
    std::vector<DeviceRecord> out;
    while (s.step())
        out.push_back(read_device(s));
    return out;
}

std::optional<DeviceRecord> SqlStore::get_device(const std::string& user_id,
                                                 const std::string& device_id) {
    auto s = db_.prepare("SELECT user_id, device_id, display_name, last_seen_ip, last_seen_ts "
                         "FROM devices WHERE user_id = ?1 AND device_id = ?2");
    s.bind_all(user_id, device_id);
    if (!s.step()) return std::nullopt;
    return read_device(s);
}

bool SqlStore::set_device_display_name(const std::string& user_id, const std::string& device_id,
                                       const std::string& name) {
    db_.prepare("UPDATE devices SET display_name = ?3 WHERE user_id = ?1 AND device_id = ?2")
        .bind_all(user_id, device_id, name)
        .run();
    return db_.changes() > 0;
}

void SqlStore::touch_device(const std::string& user_id, const std::string& device_id,
                            const std::string& ip, std::int64_t ts) {
    db_.prepare("UPDATE devices SET last_seen_ip = ?3, last_seen_ts = ?4 "
                "WHERE user_id = ?1 AND device_id = ?2")
        .bind_all(user_id, device_id, ip, ts)
        .run();
}

std::size_t SqlStore::delete_devices(const std::string& user_id,
                                     const std::vector<std::string>& device_ids) {
    forget_tokens();
    Transaction tx(db_);
    std::size_t n = 0;
    for (const auto& d : device_ids) {
        db_.prepare("DELETE FROM access_tokens WHERE user_id = ?1 AND device_id = ?2")
            .bind_all(user_id, d)
            .run();
        db_.prepare("DELETE FROM devices WHERE user_id = ?1 AND device_id = ?2")
            .bind_all(user_id, d)
            .run();
        n += static_cast<std::size_t>(db_.changes());
    }
    tx.commit();
    return n;
}

void SqlStore::delete_all_devices(const std::string& user_id, const std::string& keep_device_id) {
    forget_tokens();
    Transaction tx(db_);
    db_.prepare("DELETE FROM access_tokens WHERE user_id = ?1 AND device_id <> ?2")
        .bind_all(user_id, keep_device_id)
        .run();
    db_.prepare("DELETE FROM devices WHERE user_id = ?1 AND device_id <> ?2")
        .bind_all(user_id, keep_device_id)
        .run();
    tx.commit();
}

Profile SqlStore::get_profile(const std::string& user_id) {
    auto s = db_.prepare("SELECT displayname, avatar_url FROM profiles WHERE user_id = ?1");
    s.bind_all(user_id);
    if (!s.step()) return {};
    return Profile{s.opt_text(0), s.opt_text(1)};
}

void SqlStore::set_displayname(const std::string& user_id, const std::optional<std::string>& name) {
    db_.prepare("UPDATE profiles SET displayname = ?2 WHERE user_id = ?1")
        .bind_all(user_id, name)
        .run();
}

void SqlStore::set_avatar_url(const std::string& user_id, const std::optional<std::string>& url) {
    db_.prepare("UPDATE profiles SET avatar_url = ?2 WHERE user_id = ?1")
        .bind_all(user_id, url)
        .run();
}

void SqlStore::put_registration_token(const RegistrationToken& t) {
    db_.prepare("INSERT INTO registration_tokens (token, uses_allowed, completed, expiry_ts) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (token) DO UPDATE SET "
                "uses_allowed = excluded.uses_allowed, expiry_ts = excluded.expiry_ts")
        .bind_all(t.token, t.uses_allowed, t.completed, t.expiry_ts)
        .run();
}

std::optional<RegistrationToken> SqlStore::get_registration_token(const std::string& token) {
    auto s = db_.prepare("SELECT token, uses_allowed, completed, expiry_ts "
                         "FROM registration_tokens WHERE token = ?1");
    s.bind_all(token);
    if (!s.step()) return std::nullopt;
    return RegistrationToken{s.text(0), s.opt_int64(1), s.int64(2), s.opt_int64(3)};
}

bool SqlStore::consume_registration_token(const std::string& token, std::int64_t now_ts) {
    db_.prepare("UPDATE registration_tokens SET completed = completed + 1 WHERE token = ?1 "
                "AND (uses_allowed IS NULL OR completed < uses_allowed) "
                "AND (expiry_ts IS NULL OR expiry_ts > ?2)")
        .bind_all(token, now_ts)
        .run();
    return db_.changes() > 0;
}

} // namespace myelin::store::sql
