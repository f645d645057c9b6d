#pragma once
// The server's ed25519 signing key: generated at first start and kept in the database, so
// events signed before a restart still verify after it (and, later, over federation).
#include "event/signing_key.hpp"
#include "store/store.hpp"

namespace myelin::room {

event::SigningKey load_or_create_signing_key(store::MetaStore& meta);

} // namespace myelin::room
