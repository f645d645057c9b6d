#pragma once
// What one sync answer holds, as the sections return it (sync/sections/), and the one place
// that writes it as the spec's JSON (response_writer.cpp). Rooms arrive already serialized:
// their events are spliced from the event cache and their first part is shared between syncs
// (joined_room.cpp), so the writer only places them.
#include "e2ee/key_service.hpp"
#include "store/records.hpp"
#include "store/room_records.hpp"
#include "sync/sync_caches.hpp"

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

namespace myelin::sync {

struct RoomEntry {
    std::string room_id;
    std::string json; // the room object
};

struct RoomsPart {
    std::vector<RoomEntry> join, invite, knock, leave;
    bool empty() const { return join.empty() && invite.empty() && knock.empty() && leave.empty(); }
};

struct ToDevicePart {
    std::vector<store::ToDeviceMessage> messages;
    // More were waiting than one answer carries: delivered up to here (goes into the token).
    std::optional<std::int64_t> cursor;
};

struct PresenceEvent {
    std::string user_id;
    boost::json::object content;
};

struct SyncResponse {
    std::string next_batch;
    RoomsPart rooms;
    std::vector<PresenceEvent> presence;
    std::vector<store::AccountDataRecord> account_data; // global
    ToDevicePart to_device;
    e2ee::DeviceListDelta device_lists;
    const KeyCounts* key_counts = nullptr; // always written (clients top up one-time keys)

    // Key counts never make an answer non-empty by themselves.
    bool empty() const {
        return rooms.empty() && presence.empty() && account_data.empty() &&
               to_device.messages.empty() && device_lists.empty();
    }
};

std::string write_sync_response(const SyncResponse& r);

} // namespace myelin::sync
