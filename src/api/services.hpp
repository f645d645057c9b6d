#pragma once
// What the endpoint handlers can reach: configuration and the domain services.
#include "account/account_data.hpp"
#include "account/account_service.hpp"
#include "config/config.hpp"
#include "e2ee/key_backup.hpp"
#include "e2ee/key_service.hpp"
#include "e2ee/to_device.hpp"
#include "federation/federation.hpp"
#include "federation/own_keys.hpp"
#include "media/media_service.hpp"
#include "media/url_preview.hpp"
#include "net/loop_lag.hpp"
#include "net/request.hpp"
#include "presence/presence_service.hpp"
#include "push/push_rules.hpp"
#include "room/receipts.hpp"
#include "room/room_directory.hpp"
#include "room/room_reader.hpp"
#include "room/room_service.hpp"
#include "room/typing.hpp"
#include "sync/filter_service.hpp"
#include "sync/sse_session.hpp"
#include "sync/sync_service.hpp"

namespace myelin::api {

struct Services {
    const Config& config;
    account::AccountService& accounts;
    room::RoomService& rooms;
    room::RoomReader& reader;
    room::RoomDirectory& directory;
    account::AccountDataService& account_data;
    sync::SyncService& sync;
    sync::FilterService& filters;
    push::PushRuleService& push_rules;
    room::TypingService& typing;
    room::ReceiptService& receipts;
    e2ee::ToDeviceService& to_device;
    e2ee::KeyService& keys;
    e2ee::KeyBackupService& key_backup;
    presence::PresenceService& presence;
    sync::StreamLimits& stream_limits;   // /sync/sse streams
    sync::StreamLimits& longpoll_limits; // /sync long-polls
    media::MediaService& media;
    media::UrlPreviewer& previews;
    federation::OwnKeys& own_keys;
    federation::Federation& federation;
    net::LoopLagMonitor* loop_lag = nullptr; // when metrics are enabled
};

// The caller's identity from `Authorization: Bearer` or `?access_token=`;
// 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN otherwise.
boost::asio::awaitable<account::Auth> require_auth(Services& s, const net::Request& req);

// A handler for an endpoint that requires an access token: `authed(s, h)` checks the token
// (401 as require_auth does) and hands `h` the caller's identity.
using AuthedHandler = std::function<net::Awaitable(net::Request&, const account::Auth&)>;
net::Handler authed(Services& s, AuthedHandler h);

// Holds the user's presence at `set_presence` while a /sync or /sync/sse request runs.
class SyncPresence {
public:
    SyncPresence(presence::PresenceService& p, std::string user_id, std::string set_presence)
        : p_(p)
        , user_(std::move(user_id))
        , active_(set_presence != "offline") {
        p_.sync_started(user_, set_presence);
    }
    ~SyncPresence() {
        if (active_) p_.sync_ended(user_);
    }
    SyncPresence(const SyncPresence&) = delete;

private:
    presence::PresenceService& p_;
    std::string user_;
    bool active_;
};

} // namespace myelin::api
