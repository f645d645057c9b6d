#pragma once
// End-to-end encryption keys: device keys, one-time and fallback keys, cross-signing keys and
// signatures. The server validates shapes and signatures, stores and hands out public keys, and
// records which users' keys changed so syncs can report device-list updates.
#include "feed/change_feed.hpp"
#include "room/room_service.hpp"
#include "store/store.hpp"
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <set>

namespace myelin::e2ee {

// device_lists in /sync and /keys/changes: users whose keys may have changed, and users the
// caller no longer shares any room with.
struct DeviceListDelta {
    std::set<std::string> changed;
    std::set<std::string> left;
    bool empty() const { return changed.empty() && left.empty(); }
};

class KeyService {
public:
    // Key changes are published to `feed`: Kind::keys when a user's device keys or device list
    // changed (their room-mates' syncs must hear), Kind::key_counts when their one-time or
    // fallback key counts may have (upload, claim, device deleted: every sync carries them).
    KeyService(std::string server_name, room::RoomService& rooms, store::KeyStore& store,
               store::AccountStore& devices, feed::ChangeFeed& feed)
        : server_name_(std::move(server_name))
        , rooms_(rooms)
        , store_(store)
        , devices_(devices)
        , feed_(feed) {}

    // POST /keys/upload; returns {one_time_key_counts}.
    boost::json::object upload(const std::string& user_id, const std::string& device_id,
                               const boost::json::object& body);
    // POST /keys/query: `device_keys` is {user_id: [device_id, ...]} (empty list: all devices).
    boost::json::object query(const std::string& requester, const boost::json::object& device_keys);
    // POST /keys/claim: `one_time_keys` is {user_id: {device_id: algorithm}}.
    boost::json::object claim(const boost::json::object& one_time_keys);

    // POST /keys/device_signing/upload. Replacing existing keys needs user-interactive auth;
    // publishing the first keys, or the same keys again, does not.
    bool cross_signing_needs_auth(const std::string& user_id, const boost::json::object& body);
    void upload_cross_signing(const std::string& user_id, const boost::json::object& body);
    // POST /keys/signatures/upload; returns {failures}.
    boost::json::object upload_signatures(const std::string& user_id,
                                          const boost::json::object& body);

    // From any store (the sync engine reads them on a database thread).
    static std::map<std::string, std::int64_t> one_time_key_counts(store::KeyStore& store,
                                                                   const std::string& user_id,
                                                                   const std::string& device_id);
    std::map<std::string, std::int64_t> one_time_key_counts(const std::string& user_id,
                                                            const std::string& device_id);
    std::vector<std::string> unused_fallback_key_types(const std::string& user_id,
                                                       const std::string& device_id);
    // Device-list changes visible to `user_id` in the stream range (from, to].
    DeviceListDelta device_list_delta(const std::string& user_id, std::int64_t from,
                                      std::int64_t to);
    // The same from the range's key changes and membership changes, read by the caller (they
    // are the same for every user, so a sync can share them).
    DeviceListDelta device_list_delta(const std::string& user_id,
                                      const std::vector<std::string>& key_changes,
                                      const std::vector<store::MemberChange>& member_changes);

    void device_deleted(const std::string& user_id, const std::string& device_id);

private:
    // The ed25519 public key (raw 32 bytes) that `signer_key_id` ("ed25519:X") of `user_id`
    // names: one of the user's devices or cross-signing keys.
    std::optional<std::string> signing_key_of(const std::string& user_id,
                                              const std::string& signer_key_id);
    // False (with an entry in `failures`) for a user on another server; 400 for a malformed id.
    bool local_or_failure(const std::string& user_id, boost::json::object& failures) const;
    void publish(feed::Kind kind, const std::string& user_id) {
        feed::Change c{kind};
        c.user = user_id;
        feed_.publish(c);
    }
    void changed(const std::string& user_id) { publish(feed::Kind::keys, user_id); }
    void counts_changed(const std::string& user_id) { publish(feed::Kind::key_counts, user_id); }

    std::string server_name_;
    room::RoomService& rooms_;
    store::KeyStore& store_;
    store::AccountStore& devices_;
    feed::ChangeFeed& feed_;
};

} // namespace myelin::e2ee
