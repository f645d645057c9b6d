#pragma once
// What one sync computation carries between its sections (sync/sections/), and the parts of
// one room on its way through the joined-room steps. Private to the sync engine.
#include "room/visibility.hpp"
#include "sync/sync_service.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace myelin::sync {

// Whether a filter's types/not_types let an event type through.
inline bool type_allowed(const room::EventFilter& f, const std::string& type) {
    for (const auto& p : f.not_types)
        if (room::type_matches(p, type)) return false;
    return !f.types || std::any_of(f.types->begin(), f.types->end(),
                                   [&](const auto& p) { return room::type_matches(p, type); });
}

// Stands in a room's JSON for unread counts still to be read; a raw control character never
// occurs in serialized JSON otherwise.
inline constexpr std::string_view kUnreadMarker = "\x01unread\x01";

// The key of the caches shared by every sync over one range.
inline std::string range_key(std::int64_t from, std::int64_t to) {
    return std::to_string(from) + ":" + std::to_string(to);
}

// What only the caller has (one query each, per sync): read together, off the event loop when
// the DbPool has threads, since no cache shares them between streams.
struct SyncService::OwnRows {
    std::vector<store::AccountDataRecord> account_data; // (since, ...]; none when quiet
    std::vector<store::MembershipRecord> memberships;   // changed in (since, pos]; all if full
    std::vector<store::ToDeviceMessage> to_device;      // after the acknowledged position
    std::optional<KeyCounts> key_counts;                // when the cache had none
};

struct SyncService::Ctx {
    const SyncRequest& req;
    std::int64_t since = 0; // 0 for an initial sync
    // The lower bound of everything shared by range (range caches, timeline slices) but
    // presence: `since` lowered past the positions known to hold only presence changes
    // (PresenceService::presence_only_floor). (base, pos] holds the same rows as (since, pos]
    // except presence, so syncs whose tokens differ only by presence writes share those caches.
    // What is per user or per device (to-device acknowledgement, lazy members, presence) keeps
    // `since`.
    std::int64_t base = 0;
    bool initial = true;
    bool full_all = true; // initial or full_state: every room in full
    // Nothing of the caller's own (account data, memberships, to-device) changed in the range:
    // those queries are skipped (SyncCaches::user_quiet).
    bool quiet = false;
    std::int64_t pos = 0; // the position this response runs up to (next_batch)
    std::string range;    // "base:pos", the key of the range caches
    std::map<std::string, std::vector<store::AccountDataRecord>> room_account_data{};
    std::map<std::string, std::vector<store::ReceiptRecord>> room_receipts{}; // (base, pos]
    std::int64_t typing_serial = 0;
    KeyCounts loaded_key_counts{}; // when the cache had none
    bool read_key_counts = false;  // the cache had none when the sync began
    // Rooms whose unread counts the cache did not have: with DbPool threads they are read in
    // one more hand-off after the rooms section (fetch_unread_step), and their room JSON holds
    // kUnreadMarker where the counts go.
    std::vector<std::string> unread_later{};
    // The caller's own rows, read in one hand-off (fetch_own_step) before the sections run.
    OwnRows own{};
};

struct SyncService::RoomParts {
    std::string room_id;
    bool full = false;                 // the room in full (state, all ephemeral data)
    std::int64_t lower = 0, upper = 0; // the timeline's range (lower, upper]
    const event::RoomVersion* version = nullptr;
    std::optional<room::Visibility> vis; // history visibility is checked (new or left rooms)
    // The timeline and gap state are a pure function of the range and filter, shared by every
    // sync that asks for them (a fan-out), under slice_key.
    bool shareable = false;
    std::string slice_key;
    bool from_slice = false;
    std::vector<store::StoredEvent> timeline; // oldest first
    bool limited = false;
    std::vector<store::StoredEvent> state;       // at the timeline start
    std::vector<store::StoredEvent> state_after; // use_state_after: at upper
    std::int64_t start = 0;                      // prev_batch: just before the timeline
    std::set<std::string> timeline_senders;
    std::set<std::string> senders; // whose membership lazy loading keeps: these and the caller
    std::string device_key;        // "user|device" for the lazy-member cache
};

} // namespace myelin::sync
