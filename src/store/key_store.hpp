#pragma once
// Storage for end-to-end encryption keys: device keys, one-time and fallback keys, cross-signing
// keys and their signatures, the device-list change log, and server-side key backup. The server
// only stores and relays these; it never holds a private key.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

// A one-time or fallback key as uploaded: id "<algorithm>:<key id>" and its JSON value.
struct OneTimeKey {
    std::string key_id;
    std::string json;
};

// A signature made by (signer_user, signer_key_id) over the key `target_key_id` of `target_user`
// (a device id or a cross-signing public key).
struct KeySignature {
    std::string target_user;
    std::string target_key_id;
    std::string signer_user;
    std::string signer_key_id;
    std::string signature;
};

// A membership change seen through the state history (for device-list tracking).
struct MemberChange {
    std::string room_id;
    std::string user_id;
    std::string membership;
    std::int64_t stream_ordering = 0;
};

struct BackupVersion {
    std::int64_t version = 0;
    std::string algorithm;
    std::string auth_data; // JSON
    std::int64_t etag = 0; // changes whenever the version's keys change
};

struct BackupKey {
    std::string room_id;
    std::string session_id;
    std::string json; // KeyBackupData
};

class KeyStore {
public:
    virtual ~KeyStore() = default;

    // Device keys (the signed object as uploaded). Storing new or changed keys records a
    // device-list change for the user under a new stream position.
    virtual std::optional<std::string> device_keys(const std::string& user_id,
                                                   const std::string& device_id) = 0;
    // (device_id, json) for every device of the user that has uploaded keys.
    virtual std::vector<std::pair<std::string, std::string>>
    all_device_keys(const std::string& user_id) = 0;
    // false when the same keys were stored already.
    virtual bool put_device_keys(const std::string& user_id, const std::string& device_id,
                                 const std::string& json) = 0;
    // Removes a deleted device's keys and records a device-list change.
    virtual void delete_device_keys(const std::string& user_id, const std::string& device_id) = 0;

    virtual std::optional<std::string> one_time_key(const std::string& user_id,
                                                    const std::string& device_id,
                                                    const std::string& key_id) = 0;
    virtual void add_one_time_keys(const std::string& user_id, const std::string& device_id,
                                   const std::vector<OneTimeKey>& keys) = 0;
    // Unclaimed one-time keys by algorithm.
    virtual std::map<std::string, std::int64_t>
    count_one_time_keys(const std::string& user_id, const std::string& device_id) = 0;
    // Removes and returns one key of `algorithm` atomically, so a key is handed out once; when
    // none is left, the device's fallback key of that algorithm (marked used, kept).
    virtual std::optional<OneTimeKey> claim_key(const std::string& user_id,
                                                const std::string& device_id,
                                                const std::string& algorithm) = 0;
    // Replaces the device's fallback key for the key's algorithm (a new key starts unused).
    virtual void put_fallback_key(const std::string& user_id, const std::string& device_id,
                                  const OneTimeKey& key) = 0;
    virtual std::vector<std::string> unused_fallback_key_types(const std::string& user_id,
                                                               const std::string& device_id) = 0;

    // Cross-signing keys by usage ("master", "self_signing", "user_signing"). Storing records a
    // device-list change.
    virtual std::optional<std::string> cross_signing_key(const std::string& user_id,
                                                         const std::string& usage) = 0;
    virtual void put_cross_signing_keys(const std::string& user_id,
                                        const std::map<std::string, std::string>& by_usage) = 0;
    // Stores signatures; each target user gets a device-list change.
    virtual void put_key_signatures(const std::vector<KeySignature>& sigs) = 0;
    virtual std::vector<KeySignature> key_signatures(const std::string& target_user) = 0;

    // Users whose keys changed in (from, to].
    virtual std::vector<std::string> device_list_changes(std::int64_t from, std::int64_t to) = 0;
    // Membership changes in (from, to], in every room.
    virtual std::vector<MemberChange> member_changes(std::int64_t from, std::int64_t to) = 0;

    // Key backup.
    virtual std::int64_t create_backup_version(const std::string& user_id,
                                               const std::string& algorithm,
                                               const std::string& auth_data) = 0;
    // `version` none: the newest version that is not deleted.
    virtual std::optional<BackupVersion> backup_version(const std::string& user_id,
                                                        std::optional<std::int64_t> version) = 0;
    virtual bool update_backup_version(const std::string& user_id, std::int64_t version,
                                       const std::string& auth_data) = 0;
    virtual bool delete_backup_version(const std::string& user_id, std::int64_t version) = 0;
    virtual std::vector<BackupKey> backup_keys(const std::string& user_id, std::int64_t version,
                                               const std::optional<std::string>& room_id,
                                               const std::optional<std::string>& session_id) = 0;
    // Writes keys (the caller has chosen which to keep) and bumps the version's etag.
    virtual void put_backup_keys(const std::string& user_id, std::int64_t version,
                                 const std::vector<BackupKey>& keys) = 0;
    virtual void delete_backup_keys(const std::string& user_id, std::int64_t version,
                                    const std::optional<std::string>& room_id,
                                    const std::optional<std::string>& session_id) = 0;
    virtual std::int64_t count_backup_keys(const std::string& user_id, std::int64_t version) = 0;
};

} // namespace myelin::store
