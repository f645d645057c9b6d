#pragma once
// Accounts, sessions (devices + access tokens), passwords and profiles.
// HTTP-free: the api layer turns requests into these calls; the store holds the rows.
#include "account/account_settings.hpp"
#include "account/rate_limiter.hpp"
#include "account/uia.hpp"
#include "feed/change_feed.hpp"
#include "store/db_pool.hpp"
#include "store/store.hpp"
#include "util/blocking_pool.hpp"
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>

namespace myelin::account {

// Who a request acts for, resolved from its access token.
struct Auth {
    std::string user_id;
    std::string device_id;
    std::string token_hash;
    bool is_admin = false;
};

struct LoginResult {
    std::string user_id;
    std::string device_id;    // empty when login was inhibited
    std::string access_token; // empty when login was inhibited
};

struct RegisterRequest {
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::optional<std::string> device_id;
    std::optional<std::string> device_display_name;
    bool inhibit_login = false;
    std::string ip;
};

class AccountService {
public:
    // `db`: where token lookups run (off the event loop when it has threads); null: inline.
    // Ended device sessions (logout, deletion) are published to `feed` (Kind::device_removed):
    // their streams close, caches drop.
    AccountService(AccountSettings cfg, store::Store& store, util::BlockingPool& pool,
                   feed::ChangeFeed& feed, store::DbPool* db = nullptr);

    const std::string& server_name() const { return cfg_.server_name; }
    RegistrationMode registration_mode() const { return cfg_.registration; }

    // Throws M_INVALID_USERNAME / M_USER_IN_USE / M_EXCLUSIVE as the spec says.
    std::string check_username_available(const std::string& localpart);
    // The UIA flows registration offers in the configured mode.
    std::vector<UiaFlow> registration_flows() const;
    boost::asio::awaitable<void> check_registration_stage(const std::string& type,
                                                          const boost::json::object& auth);
    bool registration_token_valid(const std::string& token);
    // Whether an access token (by hash) still exists: long-lived streams re-check on wake-up.
    bool token_alive(const std::string& token_hash) {
        return store_.find_token(token_hash).has_value();
    }
    // Creates the account after UIA succeeded. `registration_token` is consumed if given.
    boost::asio::awaitable<LoginResult> register_user(RegisterRequest r,
                                                      std::optional<std::string> reg_token);
    // For the offline `register-user` command.
    void create_user_offline(const std::string& localpart, const std::string& password, bool admin);

    // Password login; `identifier` is a localpart or a full user id of this server.
    boost::asio::awaitable<LoginResult> login_password(const std::string& identifier,
                                                       const std::string& password,
                                                       std::optional<std::string> device_id,
                                                       std::optional<std::string> display_name,
                                                       const std::string& ip);

    // The owner of an access token (every authenticated request asks).
    boost::asio::awaitable<std::optional<Auth>> authenticate(const std::string& access_token,
                                                             const std::string& ip);

    void logout(const Auth& a);
    void logout_all(const Auth& a);
    // Verifies `password` for the user (for UIA's m.login.password stage).
    boost::asio::awaitable<void> check_password_stage(const std::string& user_id,
                                                      const boost::json::object& auth);
    boost::asio::awaitable<void> change_password(const Auth& a, const std::string& new_password,
                                                 bool logout_devices);
    void deactivate(const Auth& a);

    std::vector<store::DeviceRecord> devices(const std::string& user_id);
    std::optional<store::DeviceRecord> device(const std::string& user_id,
                                              const std::string& device_id);
    bool rename_device(const std::string& user_id, const std::string& device_id,
                       const std::string& name);
    void delete_devices(const std::string& user_id, const std::vector<std::string>& ids);

    bool user_exists(const std::string& user_id);
    store::Profile profile(const std::string& user_id);
    void set_displayname(const std::string& user_id, const std::optional<std::string>& v);
    void set_avatar_url(const std::string& user_id, const std::optional<std::string>& v);

    Uia& uia() { return uia_; }
    RateLimiter& login_limiter() { return login_limiter_; }
    RateLimiter& register_limiter() { return register_limiter_; }

private:
    // Plain functions (not coroutines) that hand argon2id work to the pool; keeping the lambdas
    // out of coroutine bodies sidesteps a GCC 12 double-destruction bug with init-captures.
    boost::asio::awaitable<std::string> hash_on_pool(const std::string& password);
    boost::asio::awaitable<bool> verify_on_pool(const std::string& hash,
                                                const std::string& password);
    // Verifies a user's password; refused (429) while too many wrong ones came for the account.
    boost::asio::awaitable<bool> verify_user_password(const std::string& user_id,
                                                      const std::string& hash,
                                                      const std::string& password);
    LoginResult new_session(const std::string& user_id, std::optional<std::string> device_id,
                            std::optional<std::string> display_name, const std::string& ip,
                            store::NewSession& out);
    void forget_cached(const std::string& user_id, const std::string& device_id);

    const AccountSettings cfg_;
    store::Store& store_;
    util::BlockingPool& pool_;
    feed::ChangeFeed& feed_;
    store::DbPool* db_;
    Uia uia_;
    RateLimiter login_limiter_;
    RateLimiter register_limiter_;
    RateLimiter failed_password_limiter_; // per account
    // When each device was last recorded as seen, so a request does not write every time.
    std::unordered_map<std::string, std::int64_t> last_touch_;
};

} // namespace myelin::account
