#pragma once
// What the endpoint handlers can reach: configuration and the domain services.
#include "account/account_data.hpp"
#include "account/account_service.hpp"
#include "config/config.hpp"
#include "e2ee/key_backup.hpp"
#include "e2ee/key_service.hpp"
#include "e2ee/to_device.hpp"
#include "net/request.hpp"
#include "push/push_rules.hpp"
#include "room/receipts.hpp"
#include "room/room_directory.hpp"
#include "room/room_reader.hpp"
#include "room/room_service.hpp"
#include "room/typing.hpp"
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
    push::PushRuleService& push_rules;
    room::TypingService& typing;
    room::ReceiptService& receipts;
    e2ee::ToDeviceService& to_device;
    e2ee::KeyService& keys;
    e2ee::KeyBackupService& key_backup;
    sync::StreamLimits& stream_limits;
};

// The caller's identity from `Authorization: Bearer` or `?access_token=`;
// 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN otherwise.
account::Auth require_auth(Services& s, const net::Request& req);

} // namespace myelin::api
