#pragma once
// The server's ed25519 key and the spec's "Signing JSON" procedure.
#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace myelin::event {

class SigningKey {
public:
    static SigningKey generate();
    static SigningKey from_seed(std::string_view seed32, std::string key_version);

    const std::string& key_id() const { return key_id_; } // "ed25519:<version>"
    const std::string& seed() const { return seed_; }     // 32 raw bytes, to persist
    std::string public_key_base64() const;
    const std::string& public_key() const { return public_; } // 32 raw bytes
    std::string sign(std::string_view bytes) const;           // 64 raw bytes

    // Adds signatures.{server_name}.{key_id}: the signature of the canonical JSON of `obj`
    // without `signatures` and `unsigned`. Other signatures and `unsigned` are kept.
    void sign_json(boost::json::object& obj, const std::string& server_name) const;

private:
    std::string key_id_, seed_, public_, secret_;
};

bool verify_json_signature(const boost::json::object& obj, const std::string& server_name,
                           const std::string& key_id, std::string_view public_key_raw32);

} // namespace myelin::event
