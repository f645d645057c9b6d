#include "federation/own_keys.hpp"

#include "util/base64.hpp"

namespace myelin::federation {

namespace json = boost::json;

OwnKeys::OwnKeys(std::string server_name, const event::SigningKey& key,
                 std::chrono::milliseconds validity, json::object old_keys)
    : server_name_(std::move(server_name))
    , key_(key)
    , validity_(validity)
    , old_keys_(std::move(old_keys)) {}

std::string OwnKeys::old_key(const std::string& key_id, std::int64_t ts) const {
    const auto* k = old_keys_.if_contains(key_id);
    if (!k || !k->is_object()) return {};
    const auto* key = k->as_object().if_contains("key");
    const auto* expired = k->as_object().if_contains("expired_ts");
    if (!key || !key->is_string() || !expired || !expired->is_int64() || expired->as_int64() < ts)
        return {};
    auto raw = util::base64_decode(key->as_string());
    return raw && raw->size() == 32 ? *raw : std::string();
}

json::object OwnKeys::server_keys(std::int64_t now_ms) const {
    json::object keys{
        {"server_name", server_name_},
        {"valid_until_ts", now_ms + validity_.count()},
        {"verify_keys",
         json::object{{key_.key_id(), json::object{{"key", key_.public_key_base64()}}}}},
        {"old_verify_keys", old_keys_},
    };
    key_.sign_json(keys, server_name_);
    return keys;
}

} // namespace myelin::federation
