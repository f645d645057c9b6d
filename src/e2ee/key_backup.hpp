#pragma once
// Server-side key backup (/room_keys): versions with opaque auth data, and encrypted room keys
// stored per (room, session). The server keeps the better of two copies of a session key.
#include "store/store.hpp"
#include <boost/json.hpp>

namespace myelin::e2ee {

class KeyBackupService {
public:
    explicit KeyBackupService(store::KeyStore& store)
        : store_(store) {}

    std::string create_version(const std::string& user_id, const boost::json::object& body);
    // `version` empty: the current (newest) version. 404 M_NOT_FOUND when there is none.
    boost::json::object version_info(const std::string& user_id, const std::string& version);
    void update_version(const std::string& user_id, const std::string& version,
                        const boost::json::object& body);
    void delete_version(const std::string& user_id, const std::string& version);

    // PUT: `rooms` is {room_id: {sessions: {session_id: KeyBackupData}}}. Only the current
    // version accepts keys (403 M_WRONG_ROOM_KEYS_VERSION otherwise). Returns {etag, count}.
    boost::json::object put_keys(const std::string& user_id, const std::string& version,
                                 const boost::json::object& rooms);
    // GET: the shape narrows with what is given: {rooms}, {sessions} or one KeyBackupData.
    boost::json::object get_keys(const std::string& user_id, const std::string& version,
                                 const std::optional<std::string>& room_id,
                                 const std::optional<std::string>& session_id);
    boost::json::object delete_keys(const std::string& user_id, const std::string& version,
                                    const std::optional<std::string>& room_id,
                                    const std::optional<std::string>& session_id);

private:
    store::BackupVersion require_version(const std::string& user_id, const std::string& version);
    boost::json::object etag_and_count(const std::string& user_id, std::int64_t version);
    store::KeyStore& store_;
};

} // namespace myelin::e2ee
