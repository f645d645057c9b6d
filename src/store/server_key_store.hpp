#pragma once
// Other servers' signing keys, as fetched from them (or a notary): each key with the signed
// answer that named it, so this server can vouch for it as a notary, unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

struct RemoteServerKey {
    std::string server_name;
    std::string key_id;
    std::string verify_key;                 // unpadded base64, 32 bytes
    std::int64_t valid_until_ts = 0;        // usable for what was signed before this
    std::optional<std::int64_t> expired_ts; // an old_verify_key: retired at this moment
    std::string key_json;                   // the signed /key/v2/server answer that named it
    std::int64_t fetched_ts = 0;
};

class ServerKeyStore {
public:
    virtual ~ServerKeyStore() = default;
    // Replaces what was kept of that key.
    virtual void put_server_key(const RemoteServerKey& k) = 0;
    virtual std::vector<RemoteServerKey> server_keys(const std::string& server_name) = 0;
};

} // namespace myelin::store
