#pragma once
// The parameters /sync and /sync/sse share: everything but since/timeout (MSC2108).
#include "api/services.hpp"
#include "net/request.hpp"

namespace myelin::api {

// filter, full_state, use_state_after, set_presence; 400 M_INVALID_PARAM for bad values.
sync::SyncRequest sync_request(Services& s, const net::Request& req, const account::Auth& auth);

} // namespace myelin::api
