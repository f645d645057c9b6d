#include "room/server_keys.hpp"

#include "util/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::room {

namespace {
constexpr const char* kKey = "signing_key";          // "VERSION SEED"
constexpr const char* kOldKeys = "old_signing_keys"; // JSON: old_verify_keys

event::SigningKey parse_stored(const std::string& stored) {
    auto space = stored.find(' ');
    auto raw = util::base64_decode(stored.substr(space == std::string::npos ? 0 : space + 1));
    if (space == std::string::npos || !raw || raw->size() != 32)
        throw std::runtime_error("stored signing key is corrupt");
    return event::SigningKey::from_seed(*raw, stored.substr(0, space));
}

std::string to_stored(const event::SigningKey& k) {
    auto id = k.key_id();
    return id.substr(id.find(':') + 1) + " " + util::base64_encode(k.seed());
}
} // namespace

event::SigningKey load_or_create_signing_key(store::MetaStore& meta) {
    if (auto stored = meta.get_meta(kKey)) return parse_stored(*stored);
    // The first form it was stored in (two rows), before a rotation wrote kKey.
    auto version = meta.get_meta("signing_key_version");
    auto seed = meta.get_meta("signing_key_seed");
    if (version && seed) {
        auto raw = util::base64_decode(*seed);
        if (!raw || raw->size() != 32) throw std::runtime_error("stored signing key is corrupt");
        return event::SigningKey::from_seed(*raw, *version);
    }
    // One row "VERSION SEED", created once: processes starting together on one database must
    // end up with the same key.
    auto fresh = event::SigningKey::generate();
    auto mine = to_stored(fresh);
    auto stored = meta.put_meta_once(kKey, mine);
    auto key = parse_stored(stored);
    if (stored == mine) spdlog::info("generated signing key {}", key.key_id());
    return key;
}

event::SigningKey rotate_signing_key(store::MetaStore& meta, std::int64_t now_ms) {
    auto old = load_or_create_signing_key(meta);
    auto retired = old_verify_keys(meta);
    retired[old.key_id()] =
        boost::json::object{{"key", old.public_key_base64()}, {"expired_ts", now_ms}};
    auto fresh = event::SigningKey::generate();
    while (fresh.key_id() == old.key_id() || retired.contains(fresh.key_id()))
        fresh = event::SigningKey::generate();
    meta.put_meta(kOldKeys, boost::json::serialize(retired));
    meta.put_meta(kKey, to_stored(fresh));
    return fresh;
}

boost::json::object old_verify_keys(store::MetaStore& meta) {
    auto text = meta.get_meta(kOldKeys);
    if (!text) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(*text, ec);
    if (ec || !v.is_object()) throw std::runtime_error("stored old signing keys are corrupt");
    return v.as_object();
}

} // namespace myelin::room
