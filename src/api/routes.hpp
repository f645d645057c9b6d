#pragma once
// One function per endpoint family; each adds its routes to the router.
#include "api/services.hpp"
#include "net/router.hpp"
#include "util/json_fields.hpp"

namespace myelin::api {

// The names every endpoint file uses.
namespace json = boost::json;
namespace jf = json_fields;
using net::Request;
using net::Response;
using net::http::verb;

void add_discovery_routes(net::Router& r, Services& s); // versions, well-known, capabilities
void add_login_routes(net::Router& r, Services& s);     // login, logout
void add_register_routes(net::Router& r, Services& s);  // register, availability, tokens
void add_account_routes(net::Router& r, Services& s);   // whoami, password, deactivate
void add_device_routes(net::Router& r, Services& s);
void add_profile_routes(net::Router& r, Services& s);
void add_room_routes(net::Router& r, Services& s);      // createRoom, membership, send, state
void add_room_read_routes(net::Router& r, Services& s); // messages, context, members, ...
void add_directory_routes(net::Router& r, Services& s); // aliases, publicRooms
void add_account_data_routes(net::Router& r, Services& s);
void add_sync_routes(net::Router& r, Services& s);     // /sync, filters
void add_sync_sse_routes(net::Router& r, Services& s); // /sync/sse (MSC2108)
void add_push_rule_routes(net::Router& r, Services& s);
void add_receipt_routes(net::Router& r, Services& s); // typing, receipts, read markers
void add_to_device_routes(net::Router& r, Services& s);
void add_presence_routes(net::Router& r, Services& s);
void add_key_routes(net::Router& r, Services& s);      // /keys/*: device and cross-signing keys
void add_room_key_routes(net::Router& r, Services& s); // /room_keys/*: key backup
void add_metrics_routes(net::Router& r, Services& s);  // /_myelin/metrics
void add_media_routes(net::Router& r, Services& s);    // upload, download, config
// The federation listener's routes (api/federation/): /_matrix/key, /_matrix/federation.
void add_federation_key_routes(net::Router& r, Services& s);   // server keys, notary, version
void add_federation_query_routes(net::Router& r, Services& s); // query/profile, directory
void add_federation_event_routes(net::Router& r, Services& s); // event/{eventId}
inline void add_federation_routes(net::Router& r, Services& s) {
    add_federation_key_routes(r, s);
    add_federation_query_routes(r, s);
    add_federation_event_routes(r, s);
}

// Password user-interactive auth bound to `what` (e.g. "delete_devices") for this user.
boost::asio::awaitable<void> require_password_uia(Services& s, const account::Auth& auth,
                                                  const json::object& body,
                                                  const std::string& what);

inline void add_all_routes(net::Router& r, Services& s) {
    add_discovery_routes(r, s);
    add_login_routes(r, s);
    add_register_routes(r, s);
    add_account_routes(r, s);
    add_device_routes(r, s);
    add_profile_routes(r, s);
    add_room_routes(r, s);
    add_room_read_routes(r, s);
    add_directory_routes(r, s);
    add_account_data_routes(r, s);
    add_sync_routes(r, s);
    add_sync_sse_routes(r, s);
    add_push_rule_routes(r, s);
    add_receipt_routes(r, s);
    add_to_device_routes(r, s);
    add_presence_routes(r, s);
    add_key_routes(r, s);
    add_room_key_routes(r, s);
    add_metrics_routes(r, s);
    add_media_routes(r, s);
}

} // namespace myelin::api
