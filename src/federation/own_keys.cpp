#include "federation/own_keys.hpp"

namespace myelin::federation {

namespace json = boost::json;

OwnKeys::OwnKeys(std::string server_name, const event::SigningKey& key,
                 std::chrono::milliseconds validity)
    : server_name_(std::move(server_name))
    , key_(key)
    , validity_(validity) {}

json::object OwnKeys::server_keys(std::int64_t now_ms) const {
    json::object keys{
        {"server_name", server_name_},
        {"valid_until_ts", now_ms + validity_.count()},
        {"verify_keys",
         json::object{{key_.key_id(), json::object{{"key", key_.public_key_base64()}}}}},
        // One key so far: a rotation would move the old one here with its expired_ts.
        {"old_verify_keys", json::object{}},
    };
    key_.sign_json(keys, server_name_);
    return keys;
}

} // namespace myelin::federation
