#pragma once
// This server's signing keys as other servers fetch them (GET /_matrix/key/v2/server, spec
// "Retrieving server keys"): the verify keys, those retired, and how long the answer holds,
// signed with the key itself.
#include "event/signing_key.hpp"

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace myelin::federation {

class OwnKeys {
public:
    // `old_keys`: the retired keys, {key_id: {"key", "expired_ts"}}.
    OwnKeys(std::string server_name, const event::SigningKey& key,
            std::chrono::milliseconds validity, boost::json::object old_keys = {});

    const std::string& server_name() const { return server_name_; }
    const event::SigningKey& key() const { return key_; }
    // The signed answer, valid until `now_ms` plus the validity. A key id other than ours
    // (GET /key/v2/server/{keyId}, deprecated) still gets every key: the spec says to ignore it.
    boost::json::object server_keys(std::int64_t now_ms) const;
    // The public key of a retired key id that was in use at `ts`, raw; empty when none.
    std::string old_key(const std::string& key_id, std::int64_t ts) const;

private:
    std::string server_name_;
    const event::SigningKey& key_;
    std::chrono::milliseconds validity_;
    boost::json::object old_keys_;
};

} // namespace myelin::federation
