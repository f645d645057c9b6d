#pragma once
// The server's ed25519 signing key: generated at first start and kept in the database, so
// events signed before a restart still verify after it, here and on other servers. A rotated
// key's public half stays on record (old_verify_keys), so what it signed still verifies.
#include "event/signing_key.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>
#include <cstdint>

namespace myelin::room {

event::SigningKey load_or_create_signing_key(store::MetaStore& meta);

// Replaces the signing key with a new one (the server must be restarted to use it); the old
// one's public key is kept as retired at `now_ms`. Returns the new key.
event::SigningKey rotate_signing_key(store::MetaStore& meta, std::int64_t now_ms);

// The retired keys as /_matrix/key/v2/server lists them: {key_id: {"key", "expired_ts"}}.
boost::json::object old_verify_keys(store::MetaStore& meta);

} // namespace myelin::room
