#include "account/account_service.hpp"

#include "account/password.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"
#include <cctype>
#include <sodium.h>

namespace myelin::account {

namespace json = boost::json;
using boost::asio::awaitable;

namespace {
constexpr std::int64_t kTouchIntervalMs = 5 * 60 * 1000;

std::string random_localpart() {
    std::string s = util::random_letters(12);
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string random_device_id() {
    std::string s = util::random_letters(10);
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

MatrixError bad_login() {
    return forbidden("Invalid username or password");
}
} // namespace

AccountService::AccountService(AccountSettings cfg, store::Store& store, util::BlockingPool& pool,
                               feed::ChangeFeed& feed, store::DbPool* db)
    : cfg_(std::move(cfg))
    , store_(store)
    , pool_(pool)
    , feed_(feed)
    , db_(db)
    , uia_(store)
    , login_limiter_(cfg_.login_rate_limit)
    , register_limiter_(cfg_.register_rate_limit)
    , failed_password_limiter_(cfg_.failed_password_rate_limit) {}

std::string AccountService::check_username_available(const std::string& localpart) {
    if (!ids::valid_new_localpart(localpart))
        throw MatrixError(400, errcode::invalid_username,
                          "User ID may only contain a-z, 0-9, '.', '_', '=', '-', '/' and '+'");
    std::string user_id = "@" + localpart + ":" + cfg_.server_name;
    if (user_id.size() > 255)
        throw MatrixError(400, errcode::invalid_username, "User ID is longer than 255 bytes");
    if (store_.user_exists(user_id))
        throw MatrixError(400, errcode::user_in_use, "User ID already taken");
    return user_id;
}

std::vector<UiaFlow> AccountService::registration_flows() const {
    if (cfg_.registration == RegistrationMode::token)
        return {UiaFlow{{"m.login.registration_token"}}};
    return {UiaFlow{{"m.login.dummy"}}};
}

bool AccountService::registration_token_valid(const std::string& token) {
    auto t = store_.get_registration_token(token);
    if (!t) return false;
    if (t->uses_allowed && t->completed >= *t->uses_allowed) return false;
    if (t->expiry_ts && *t->expiry_ts <= util::now_ms()) return false;
    return true;
}

awaitable<void> AccountService::check_registration_stage(const std::string& type,
                                                         const json::object& auth) {
    if (type == "m.login.registration_token") {
        auto token = json_fields::opt_string(auth, "token");
        if (!token || !registration_token_valid(*token))
            throw MatrixError(401, errcode::unauthorized, "Invalid registration token");
    }
    co_return; // m.login.dummy always succeeds
}

LoginResult AccountService::new_session(const std::string& user_id,
                                        std::optional<std::string> device_id,
                                        std::optional<std::string> display_name,
                                        const std::string& ip, store::NewSession& out) {
    LoginResult r;
    r.user_id = user_id;
    r.device_id = device_id && !device_id->empty() ? *device_id : random_device_id();
    if (r.device_id.size() > 255) throw invalid_param("device_id is too long");
    r.access_token = "myl_" + util::random_token(32);
    out.device_id = r.device_id;
    out.display_name = std::move(display_name);
    out.token_hash = util::sha256_hex(r.access_token);
    out.ip = ip;
    out.ts = util::now_ms();
    return r;
}

awaitable<LoginResult> AccountService::register_user(RegisterRequest r,
                                                     std::optional<std::string> reg_token) {
    std::string localpart = r.username ? *r.username : random_localpart();
    std::string user_id = check_username_available(localpart);
    store::UserRecord u;
    u.user_id = user_id;
    u.created_ts = util::now_ms();
    if (r.password) {
        u.password_hash = co_await hash_on_pool(*r.password);
    }
    if (reg_token && !store_.consume_registration_token(*reg_token, util::now_ms()))
        throw MatrixError(401, errcode::unauthorized, "Registration token is no longer valid");
    store::Profile profile{localpart, std::nullopt};
    std::optional<store::NewSession> session;
    LoginResult result;
    result.user_id = user_id;
    if (!r.inhibit_login) {
        session.emplace();
        result = new_session(user_id, r.device_id, r.device_display_name, r.ip, *session);
    }
    if (!store_.create_user(u, profile, session))
        throw MatrixError(400, errcode::user_in_use, "User ID already taken");
    co_return result;
}

void AccountService::create_user_offline(const std::string& localpart, const std::string& password,
                                         bool admin) {
    std::string user_id = check_username_available(localpart);
    store::UserRecord u;
    u.user_id = user_id;
    u.created_ts = util::now_ms();
    u.is_admin = admin;
    u.password_hash = hash_password(password, cfg_.password_hash_cost);
    if (!store_.create_user(u, store::Profile{localpart, std::nullopt}, std::nullopt))
        throw MatrixError(400, errcode::user_in_use, "User ID already taken");
}

awaitable<LoginResult> AccountService::login_password(const std::string& identifier,
                                                      const std::string& password,
                                                      std::optional<std::string> device_id,
                                                      std::optional<std::string> display_name,
                                                      const std::string& ip) {
    std::string user_id;
    if (!identifier.empty() && identifier[0] == '@') {
        if (!ids::local_localpart(identifier, cfg_.server_name)) throw bad_login();
        user_id = identifier;
    } else {
        user_id = "@" + identifier + ":" + cfg_.server_name;
    }
    auto user = store_.get_user(user_id);
    if (!user) throw bad_login();
    if (user->deactivated)
        throw MatrixError(403, "M_USER_DEACTIVATED", "This account has been deactivated");
    if (!user->password_hash) throw bad_login();
    bool ok = co_await verify_user_password(user_id, *user->password_hash, password);
    if (!ok) throw bad_login();
    store::NewSession s;
    auto r = new_session(user_id, std::move(device_id), std::move(display_name), ip, s);
    store_.add_session(user_id, s);
    co_return r;
}

awaitable<std::optional<Auth>> AccountService::authenticate(const std::string& access_token,
                                                            const std::string& ip) {
    auto hash = util::sha256_hex(access_token);
    std::optional<store::TokenOwner> owner;
    if (db_)
        owner = co_await db_->run([&hash](store::Store& s) { return s.find_token(hash); });
    else
        owner = store_.find_token(hash);
    if (!owner) co_return std::nullopt;
    auto now = util::now_ms();
    auto key = owner->user_id + "|" + owner->device_id;
    auto& last = last_touch_[key];
    if (now - last > kTouchIntervalMs) {
        store_.touch_device(owner->user_id, owner->device_id, ip, now);
        last = now;
    }
    co_return Auth{owner->user_id, owner->device_id, hash, owner->is_admin};
}

void AccountService::forget_cached(const std::string& user_id, const std::string& device_id) {
    last_touch_.erase(user_id + "|" + device_id);
    feed::Change c{feed::Kind::device_removed};
    c.user = user_id;
    c.device = device_id;
    feed_.publish(c);
}

void AccountService::logout(const Auth& a) {
    delete_devices(a.user_id, {a.device_id});
}

void AccountService::logout_all(const Auth& a) {
    auto devs = store_.list_devices(a.user_id);
    store_.delete_all_devices(a.user_id, "");
    for (const auto& d : devs)
        forget_cached(a.user_id, d.device_id);
}

awaitable<std::string> AccountService::hash_on_pool(const std::string& password) {
    auto cost = cfg_.password_hash_cost;
    return pool_.run([password, cost] { return hash_password(password, cost); });
}

awaitable<bool> AccountService::verify_on_pool(const std::string& hash,
                                               const std::string& password) {
    return pool_.run([hash, password] { return verify_password(hash, password); });
}

// Checked before verifying (else a guess that is right would still get through) and charged
// only for wrong ones, so a user who types their password right is not slowed down.
awaitable<bool> AccountService::verify_user_password(const std::string& user_id,
                                                     const std::string& hash,
                                                     const std::string& password) {
    failed_password_limiter_.require(user_id);
    bool ok = co_await verify_on_pool(hash, password);
    if (!ok) failed_password_limiter_.take(user_id);
    co_return ok;
}

awaitable<void> AccountService::check_password_stage(const std::string& user_id,
                                                     const json::object& auth) {
    std::string who;
    if (const auto* ident = json_fields::opt_object(auth, "identifier")) {
        auto type = json_fields::opt_string(*ident, "type");
        if (type && *type != "m.id.user")
            throw MatrixError(400, errcode::unknown, "Only m.id.user identifiers are supported");
        who = json_fields::opt_string(*ident, "user").value_or("");
    } else {
        who = json_fields::opt_string(auth, "user").value_or("");
    }
    if (!who.empty() && who[0] != '@') who = "@" + who + ":" + cfg_.server_name;
    if (who != user_id) throw forbidden("Authentication must be for the requesting user");
    auto password = json_fields::opt_string(auth, "password");
    auto user = store_.get_user(user_id);
    if (!password || !user || !user->password_hash) throw bad_login();
    bool ok = co_await verify_user_password(user_id, *user->password_hash, *password);
    if (!ok) throw forbidden("Invalid password");
}

awaitable<void> AccountService::change_password(const Auth& a, const std::string& new_password,
                                                bool logout_devices) {
    auto hash = co_await hash_on_pool(new_password);
    store_.set_password_hash(a.user_id, hash);
    if (logout_devices) {
        auto devs = store_.list_devices(a.user_id);
        store_.delete_all_devices(a.user_id, a.device_id);
        for (const auto& d : devs)
            if (d.device_id != a.device_id) forget_cached(a.user_id, d.device_id);
    }
}

void AccountService::deactivate(const Auth& a) {
    auto devs = store_.list_devices(a.user_id);
    store_.deactivate_user(a.user_id);
    for (const auto& d : devs)
        forget_cached(a.user_id, d.device_id);
}

std::vector<store::DeviceRecord> AccountService::devices(const std::string& user_id) {
    return store_.list_devices(user_id);
}

std::optional<store::DeviceRecord> AccountService::device(const std::string& user_id,
                                                          const std::string& device_id) {
    return store_.get_device(user_id, device_id);
}

bool AccountService::rename_device(const std::string& user_id, const std::string& device_id,
                                   const std::string& name) {
    return store_.set_device_display_name(user_id, device_id, name);
}

void AccountService::delete_devices(const std::string& user_id,
                                    const std::vector<std::string>& ids) {
    store_.delete_devices(user_id, ids);
    for (const auto& d : ids)
        forget_cached(user_id, d);
}

bool AccountService::user_exists(const std::string& user_id) {
    auto u = store_.get_user(user_id);
    return u && !u->deactivated;
}

store::Profile AccountService::profile(const std::string& user_id) {
    return store_.get_profile(user_id);
}

void AccountService::set_displayname(const std::string& user_id,
                                     const std::optional<std::string>& v) {
    store_.set_displayname(user_id, v);
}

void AccountService::set_avatar_url(const std::string& user_id,
                                    const std::optional<std::string>& v) {
    store_.set_avatar_url(user_id, v);
}

} // namespace myelin::account
