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
    // One row "VERSION SEED", created once: processes starting together on one database must
    // end up with the same key.
    auto fresh = event::SigningKey::generate();
    auto id = fresh.key_id();
    auto mine = id.substr(id.find(':') + 1) + " " + util::base64_encode(fresh.seed());
    auto stored = meta.put_meta_once("signing_key", mine);
    auto space = stored.find(' ');
    auto raw = util::base64_decode(stored.substr(space == std::string::npos ? 0 : space + 1));
    if (space == std::string::npos || !raw || raw->size() != 32)
        throw std::runtime_error("stored signing key is corrupt");
    auto key = event::SigningKey::from_seed(*raw, stored.substr(0, space));
    if (stored == mine) spdlog::info("generated signing key {}", id);
    return key;
}

} // namespace myelin::room
