#pragma once
#include "store/sql/connection.hpp"
#include "store/store.hpp"
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace myelin::store::sql {

// The Store on any SQL engine with a driver (store/sqlite, store/postgres): the same queries,
// schema and migrations on each. Opening it runs pending migrations.
class SqlStore final : public Store {
public:
    // `listener`: opens a PeerListener on the same database; given for engines that several
    // processes can share (PostgreSQL), whose notify_peers then uses pg_notify.
    using ListenerFactory = std::function<std::unique_ptr<PeerListener>()>;
    // A worker (a DbPool thread's store) neither migrates (the primary did) nor keeps the
    // caches below: writes made through the primary would not reach them.
    enum class Role { primary, worker };
    explicit SqlStore(std::unique_ptr<Connection> conn, ListenerFactory listener = {},
                      Role role = Role::primary);
    std::unique_ptr<WriteBatch> begin_batch() override;

    bool shared() const override { return static_cast<bool>(listener_); }
    void notify_peers(const std::string& payload) override;
    std::unique_ptr<PeerListener> listen_peers() override;

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
    void delete_all_devices(const std::string& user_id, const std::string& keep_device_id) override;
    Profile get_profile(const std::string& user_id) override;
    void set_displayname(const std::string& user_id,
                         const std::optional<std::string>& name) override;
    void set_avatar_url(const std::string& user_id, const std::optional<std::string>& url) override;
    std::int64_t put_presence(const PresenceRecord& p) override;
    std::optional<PresenceRecord> get_presence(const std::string& user_id) override;
    std::vector<PresenceRecord> presence_changes(std::int64_t from, std::int64_t to) override;
    void put_uia_session(const std::string& id, const UiaSession& s) override;
    std::optional<UiaSession> get_uia_session(const std::string& id) override;
    bool take_uia_session(const std::string& id) override;
    void expire_uia_sessions(std::int64_t created_before_ts) override;
    void put_registration_token(const RegistrationToken& t) override;
    std::optional<RegistrationToken> get_registration_token(const std::string& token) override;
    bool consume_registration_token(const std::string& token, std::int64_t now_ts) override;

    // MediaStore
    bool put_media(const MediaRecord& m) override;
    std::optional<MediaRecord> get_media(const std::string& media_id) override;
    void touch_media(const std::string& media_id, std::int64_t ts) override;
    std::int64_t count_media_with_hash(const std::string& sha256) override;
    std::int64_t media_bytes_of(const std::string& uploader) override;
    std::vector<MediaRecord> media_unused_since(std::int64_t ts, std::int64_t limit) override;
    bool set_media_quarantined(const std::string& media_id, bool quarantined) override;
    std::vector<std::string> delete_media(const std::string& media_id) override;
    void put_thumbnail(const ThumbnailRecord& t) override;
    bool get_thumbnail(ThumbnailRecord& key) override;
    bool put_pending_media(const PendingMedia& p) override;
    std::optional<PendingMedia> get_pending_media(const std::string& media_id) override;
    void delete_pending_media(const std::string& media_id) override;
    std::int64_t count_pending_media(const std::string& uploader, std::int64_t now_ts) override;
    void expire_pending_media(std::int64_t now_ts) override;
    std::optional<UrlPreviewRecord> get_url_preview(const std::string& url) override;
    void put_url_preview(const UrlPreviewRecord& p) override;
    std::int64_t delete_url_previews_before(std::int64_t ts) override;

    // ServerKeyStore
    void put_server_key(const RemoteServerKey& k) override;
    std::vector<RemoteServerKey> server_keys(const std::string& server_name) override;

    // MetaStore
    std::optional<std::string> get_meta(const std::string& key) override;
    void put_meta(const std::string& key, const std::string& value) override;
    std::string put_meta_once(const std::string& key, const std::string& value) override;

    // RoomStore
    void create_room(const RoomRecord& room) override;
    std::optional<RoomRecord> get_room(const std::string& room_id) override;
    std::int64_t append_event(const NewEvent& e, const std::optional<TxnKey>& txn) override;
    std::int64_t max_stream_position() override;
    std::vector<StoredEvent> events_between(std::int64_t from, std::int64_t to,
                                            std::size_t limit) override;
    std::optional<StoredEvent> get_event(const std::string& event_id) override;
    std::optional<RoomHead> room_head(const std::string& room_id) override;
    std::optional<std::string> find_txn(const TxnKey& txn) override;
    std::vector<StoredEvent> current_state(const std::string& room_id) override;
    std::vector<StoredEvent> state_at(const std::string& room_id, std::int64_t pos) override;
    std::optional<StoredEvent> state_event_at(const std::string& room_id, const std::string& type,
                                              const std::string& state_key,
                                              std::int64_t pos) override;
    bool joined_after(const std::string& room_id, const std::string& user_id,
                      std::int64_t pos) override;
    std::optional<std::int64_t> end_of_last_join(const std::string& room_id,
                                                 const std::string& user_id) override;
    std::vector<StoredEvent> room_events(const std::string& room_id, std::int64_t from, char dir,
                                         std::size_t limit) override;
    std::vector<StoredEvent> room_events_between(const std::string& room_id, std::int64_t after,
                                                 std::int64_t upto, std::size_t limit) override;
    std::optional<std::string> membership(const std::string& room_id,
                                          const std::string& user_id) override;
    std::vector<std::string> rooms_for_user(const std::string& user_id,
                                            const std::string& membership) override;
    std::vector<MemberRecord> members(const std::string& room_id) override;
    std::vector<MembershipRecord> memberships_of(const std::string& user_id) override;
    std::vector<MembershipRecord> membership_changes(const std::string& user_id, std::int64_t from,
                                                     std::int64_t to) override;
    std::vector<std::string> rooms_changed(std::int64_t from, std::int64_t to) override;
    std::optional<std::string> txn_for_event(const std::string& event_id,
                                             const std::string& user_id,
                                             const std::string& device_id) override;
    std::int64_t put_receipt(const ReceiptRecord& r) override;
    std::vector<ReceiptRecord> receipts_between(std::int64_t from, std::int64_t to) override;
    std::vector<ReceiptRecord> receipts_in_room(const std::string& room_id) override;
    std::optional<ReceiptRecord> receipt(const std::string& room_id, const std::string& user_id,
                                         const std::string& receipt_type,
                                         const std::string& thread_id) override;
    std::optional<std::int64_t> put_to_device(const TxnKey& txn,
                                              const std::vector<ToDeviceMessage>& msgs) override;
    std::vector<ToDeviceMessage> to_device_for(const std::string& user_id,
                                               const std::string& device_id, std::int64_t after,
                                               std::int64_t upto,
                                               std::int64_t limit = INT64_MAX) override;
    void trim_to_device(const std::string& user_id, const std::string& device_id, std::int64_t keep,
                        std::int64_t keep_bytes = INT64_MAX) override;
    void ack_to_device(const std::string& user_id, const std::string& device_id,
                       std::int64_t upto) override;
    std::int64_t put_filter(const std::string& user_id, const std::string& json) override;
    std::int64_t count_filters(const std::string& user_id) override;
    std::optional<std::int64_t> find_filter(const std::string& user_id,
                                            const std::string& json) override;
    std::int64_t count_account_data(const std::string& user_id) override;
    std::optional<std::string> get_filter(const std::string& user_id,
                                          std::int64_t filter_id) override;
    void forget_room(const std::string& user_id, const std::string& room_id) override;
    bool is_forgotten(const std::string& user_id, const std::string& room_id) override;
    std::vector<StoredEvent> relations(const std::string& room_id, const std::string& event_id,
                                       const std::optional<std::string>& rel_type,
                                       const std::optional<std::string>& event_type,
                                       std::int64_t from, char dir, std::size_t limit) override;
    bool put_alias(const std::string& alias, const std::string& room_id,
                   const std::string& creator) override;
    std::optional<std::pair<std::string, std::string>> get_alias(const std::string& alias) override;
    bool delete_alias(const std::string& alias) override;
    std::vector<std::string> aliases_for_room(const std::string& room_id) override;
    void set_room_public(const std::string& room_id, bool is_public) override;
    std::vector<std::string> public_rooms() override;
    void put_push_actions(const std::vector<PushAction>& actions,
                          std::optional<std::int64_t> through) override;
    std::map<std::string, UnreadCount> unread_counts(const std::string& user_id,
                                                     const std::string& room_id) override;
    std::int64_t put_account_data(const std::string& user_id, const std::string& room_id,
                                  const std::string& type, const std::string& content) override;
    std::optional<std::string> get_account_data(const std::string& user_id,
                                                const std::string& room_id,
                                                const std::string& type) override;
    std::vector<std::string> account_data_owners(const std::string& room_id,
                                                 const std::string& type) override;
    std::vector<AccountDataRecord> account_data_since(const std::string& user_id,
                                                      std::int64_t after) override;

    // KeyStore
    std::optional<std::string> device_keys(const std::string& user_id,
                                           const std::string& device_id) override;
    std::vector<std::pair<std::string, std::string>>
    all_device_keys(const std::string& user_id) override;
    bool put_device_keys(const std::string& user_id, const std::string& device_id,
                         const std::string& json) override;
    void delete_device_keys(const std::string& user_id, const std::string& device_id) override;
    std::optional<std::string> one_time_key(const std::string& user_id,
                                            const std::string& device_id,
                                            const std::string& key_id) override;
    void add_one_time_keys(const std::string& user_id, const std::string& device_id,
                           const std::vector<OneTimeKey>& keys) override;
    std::map<std::string, std::int64_t> count_one_time_keys(const std::string& user_id,
                                                            const std::string& device_id) override;
    std::optional<OneTimeKey> claim_key(const std::string& user_id, const std::string& device_id,
                                        const std::string& algorithm) override;
    void put_fallback_key(const std::string& user_id, const std::string& device_id,
                          const OneTimeKey& key) override;
    std::vector<std::string> unused_fallback_key_types(const std::string& user_id,
                                                       const std::string& device_id) override;
    std::optional<std::string> cross_signing_key(const std::string& user_id,
                                                 const std::string& usage) override;
    void put_cross_signing_keys(const std::string& user_id,
                                const std::map<std::string, std::string>& by_usage) override;
    void put_key_signatures(const std::vector<KeySignature>& sigs) override;
    std::vector<KeySignature> key_signatures(const std::string& target_user) override;
    std::vector<std::string> device_list_changes(std::int64_t from, std::int64_t to) override;
    std::vector<MemberChange> member_changes(std::int64_t from, std::int64_t to) override;
    std::int64_t create_backup_version(const std::string& user_id, const std::string& algorithm,
                                       const std::string& auth_data) override;
    std::optional<BackupVersion> backup_version(const std::string& user_id,
                                                std::optional<std::int64_t> version) override;
    bool update_backup_version(const std::string& user_id, std::int64_t version,
                               const std::string& auth_data) override;
    bool delete_backup_version(const std::string& user_id, std::int64_t version) override;
    std::vector<BackupKey> backup_keys(const std::string& user_id, std::int64_t version,
                                       const std::optional<std::string>& room_id,
                                       const std::optional<std::string>& session_id) override;
    void put_backup_keys(const std::string& user_id, std::int64_t version,
                         const std::vector<BackupKey>& keys) override;
    void delete_backup_keys(const std::string& user_id, std::int64_t version,
                            const std::optional<std::string>& room_id,
                            const std::optional<std::string>& session_id) override;
    std::int64_t count_backup_keys(const std::string& user_id, std::int64_t version) override;

    void checkpoint() override;

private:
    void migrate();
    std::int64_t next_stream_position();                        // call inside a transaction
    void record_device_list_change(const std::string& user_id); // inside a transaction
    // Push counts: where the user's read receipts in the room point, by thread ("" for
    // unthreaded), the count of their actions after a position, and (inside a receipt's
    // transaction) the counts moved to the new read positions.
    std::map<std::string, std::int64_t> read_positions(const std::string& user_id,
                                                       const std::string& room_id);
    UnreadCount count_push_actions(const std::string& user_id, const std::string& room_id,
                                   const std::string& thread_id, std::int64_t after);
    void refresh_push_counts(const std::string& user_id, const std::string& room_id);
    std::unique_ptr<Connection> conn_;
    Connection& db_;
    ListenerFactory listener_;
    // The newest position this process wrote a receipt, a member state event or a device-list
    // change at (at least; never less). Only when no other process writes to the database
    // (SQLite): then a range starting at or after it holds none, and the range queries that
    // every woken sync makes (a chat stream's range is its own) are answered without a read.
    struct WriteMarks {
        std::int64_t receipts = 0, members = 0, device_lists = 0;
    };
    std::optional<WriteMarks> marks_;
    static void mark(std::optional<WriteMarks>& marks, std::int64_t WriteMarks::*kind,
                     std::int64_t pos) {
        if (marks) (*marks).*kind = std::max((*marks).*kind, pos);
    }
    bool none_after(std::int64_t WriteMarks::*kind, std::int64_t from) const {
        return marks_ && (*marks_).*kind <= from;
    }
    // Also only without other writers: tokens found, by hash (every request is authenticated,
    // and a long-polling client makes one request per delivery), emptied by every change that
    // can end a token or change its owner's row; and the devices known to have no to-device
    // message waiting, so that the acknowledgement every /sync makes, and its read, cost no
    // statement (an entry goes when a message is stored for the device).
    static constexpr std::size_t kMaxCachedTokens = 65536;
    std::optional<std::unordered_map<std::string, TokenOwner>> tokens_;
    void forget_tokens() {
        if (tokens_) tokens_->clear();
    }
    std::optional<std::unordered_set<std::string>> to_device_empty_;
    bool to_device_known_empty(const std::string& user_id, const std::string& device_id) const;
};

} // namespace myelin::store::sql
