#pragma once
#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"

namespace myelin::store::sqlite {

class SqliteStore final : public Store {
public:
    // synchronous: "full" (durable across power loss) or "normal" (across process crashes).
    SqliteStore(const std::string& path, const std::string& synchronous = "full");

    // AccountStore
    bool user_exists(const std::string& user_id) override;
    std::optional<UserRecord> get_user(const std::string& user_id) override;
    bool create_user(const UserRecord& user, const Profile& profile,
                     const std::optional<NewSession>& session) override;
    std::int64_t count_users() override;
    void set_password_hash(const std::string& user_id, const std::string& hash) override;
    void set_admin(const std::string& user_id, bool admin) override;
    void deactivate_user(const std::string& user_id) override;
    void add_session(const std::string& user_id, const NewSession& session) override;
    std::optional<TokenOwner> find_token(const std::string& token_hash) override;
    std::vector<DeviceRecord> list_devices(const std::string& user_id) override;
    std::optional<DeviceRecord> get_device(const std::string& user_id,
                                           const std::string& device_id) override;
    bool set_device_display_name(const std::string& user_id, const std::string& device_id,
                                 const std::string& name) override;
    void touch_device(const std::string& user_id, const std::string& device_id,
                      const std::string& ip, std::int64_t ts) override;
    std::size_t delete_devices(const std::string& user_id,
                               const std::vector<std::string>& device_ids) override;
    void delete_all_devices(const std::string& user_id,
                            const std::string& keep_device_id) override;
    Profile get_profile(const std::string& user_id) override;
    void set_displayname(const std::string& user_id,
                         const std::optional<std::string>& name) override;
    void set_avatar_url(const std::string& user_id, const std::optional<std::string>& url) override;
    void put_registration_token(const RegistrationToken& t) override;
    std::optional<RegistrationToken> get_registration_token(const std::string& token) override;
    bool consume_registration_token(const std::string& token, std::int64_t now_ts) override;

    // MetaStore
    std::optional<std::string> get_meta(const std::string& key) override;
    void put_meta(const std::string& key, const std::string& value) override;

    void checkpoint() override;

private:
    void migrate();
    Db db_;
};

} // namespace myelin::store::sqlite
