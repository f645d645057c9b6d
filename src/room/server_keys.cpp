#include "room/server_keys.hpp"

#include "util/base64.hpp"
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace myelin::room {

event::SigningKey load_or_create_signing_key(store::MetaStore& meta) {
    auto version = meta.get_meta("signing_key_version");
    auto seed = meta.get_meta("signing_key_seed");
    if (version && seed) {
        auto raw = util::base64_decode(*seed);
        if (!raw || raw->size() != 32) throw std::runtime_error("stored signing key is corrupt");
        return event::SigningKey::from_seed(*raw, *version);
    }
    auto key = event::SigningKey::generate();
    auto id = key.key_id();
    meta.put_meta("signing_key_version", id.substr(id.find(':') + 1));
    meta.put_meta("signing_key_seed", util::base64_encode(key.seed()));
    spdlog::info("generated signing key {}", id);
    return key;
}

} // namespace myelin::room
