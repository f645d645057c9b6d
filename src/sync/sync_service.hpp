#pragma once
// The sync engine: computes what /sync returns between two stream positions, and waits for
// changes. One engine serves /sync (long-poll) and, later, /sync/sse (a stream of the same
// responses, each computed from the previous next_batch).
#include "account/account_data.hpp"
#include "e2ee/key_service.hpp"
#include "presence/presence_service.hpp"
#include "push/notification_counter.hpp"
#include "room/room_reader.hpp"
#include "room/room_service.hpp"
#include "room/typing.hpp"
#include "store/db_pool.hpp"
#include "sync/event_cache.hpp"
#include "sync/lazy_members.hpp"
#include "sync/notifier.hpp"
#include "sync/sync_filter.hpp"
#include "sync/sync_response.hpp"
#include "util/stream_token.hpp"
#include <boost/asio/awaitable.hpp>
#include <chrono>

namespace myelin::sync {

struct SyncRequest {
    std::string user_id;
    std::string device_id;
    std::optional<std::int64_t> since; // stream position; none: initial sync
    std::int64_t since_typing = 0;     // typing serial of the token
    // Where the token's to-device cursor lags its position (a backlog larger than one answer
    // carries): messages up to here were delivered. None: up to `since`.
    std::optional<std::int64_t> since_to_device;
    // The client itself presented `since` (a /sync call, or an SSE stream's resume token), so
    // to-device messages up to it are acknowledged and can be deleted.
    bool acknowledges = true;
    SyncFilter filter;
    bool full_state = false;
    bool use_state_after = false;
    std::string set_presence = "online";
};

struct SyncResult {
    std::string body; // the JSON response
    bool empty = true;
    std::int64_t next_pos = 0;
    std::int64_t next_typing = 0;
    std::optional<std::int64_t> next_to_device; // a to-device backlog remains past this
    std::string next_batch; // the token: "s<position>_<typing serial>[_<to-device cursor>]"
};

// A sync token (util/stream_token.hpp).
using tokens::SyncToken;

class SyncService {
public:
    SyncService(room::RoomService& rooms, room::RoomReader& reader, Notifier& notifier,
                room::TypingService& typing, e2ee::KeyService& keys,
                push::NotificationCounter& notifications, presence::PresenceService& presence,
                store::Store& store, store::DbPool& db);

    // Parses a `since` token; 400 M_INVALID_PARAM for a malformed one, and for one that points
    // past the newest position this server has ever handed out.
    SyncToken parse_since(const std::string& token);

    // One answer: the caller's own rows are read off the event loop (when the DbPool has
    // threads), the rest from the shared caches; `req` must outlive the call.
    boost::asio::awaitable<SyncResult> compute(const SyncRequest& req);
    // Long-poll: returns at once when there is something (or no `since`, or full_state, or
    // timeout 0); otherwise waits for a change until `timeout`.
    // `gone` (optional) reports a caller that disconnected; `on_gone` is where the caller hooks
    // the wake-up for it.
    boost::asio::awaitable<SyncResult>
    wait_for(SyncRequest req, std::chrono::milliseconds timeout, std::function<bool()> gone = {},
             std::function<void(std::function<void()>)> on_gone = {});

    EventCache& cache() { return cache_; }
    // An event was redacted: its serialized form and the shared timeline slices that hold its
    // row are dropped.
    void event_redacted(const std::string& event_id);
    Notifier& notifier() { return notifier_; }
    // Whether presence can ever be part of this request's answer (else presence changes need
    // not wake it).
    bool wants_presence(const SyncRequest& req) const;
    bool stopping = false;
    // The position answers run up to, given the caller's `since`: by default the store's
    // newest; with several processes, what this one has applied (cluster::Replicator).
    std::function<std::int64_t(std::int64_t since)> position;

private:
    struct Ctx;       // sync_context.hpp
    struct RoomParts; // sync_context.hpp
    struct OwnRows;   // sync_context.hpp
    // compute() in three steps: the positions and what the range shares (on the loop), the
    // caller's own rows (one DbPool hand-off), then the sections (on the loop, from memory).
    void begin_step(Ctx& c);
    boost::asio::awaitable<void> fetch_own_step(Ctx& c);
    boost::asio::awaitable<SyncResult> sections_step(Ctx& c);
    // Reads the unread counts the rooms section deferred and puts them in place.
    boost::asio::awaitable<void> fetch_unread_step(Ctx& c, RoomsPart& rooms);
    // The position an answer to a sync with this `since` runs up to (see `position`).
    std::int64_t current_position(std::int64_t since);

    // The sections (sync/sections/): each reads what changed for the caller in (since, pos]
    // and returns its typed part of the answer (sync_response.hpp), in this order.
    std::vector<store::AccountDataRecord> account_data_section(Ctx& c); // and rooms' into c
    RoomsPart rooms_section(Ctx& c);
    ToDevicePart to_device_section(Ctx& c);
    e2ee::DeviceListDelta device_lists_section(Ctx& c);
    // Presence of the caller and the users they share a room with: all of it in an initial
    // sync, the changes in (since, pos] otherwise.
    std::vector<PresenceEvent> presence_section(Ctx& c);
    const KeyCounts* key_counts_section(Ctx& c);

    // One joined (or left) room from events in (lower, upper], in named steps
    // (sections/joined_room.cpp); nothing when there is nothing to say about the room.
    // Sliding sync reuses the steps.
    std::optional<std::string> joined_room(Ctx& c, const std::string& room_id, bool full,
                                           bool check_visibility, std::int64_t lower,
                                           std::int64_t upper);
    void timeline_step(Ctx& c, RoomParts& p);
    void gap_state_step(Ctx& c, RoomParts& p);
    void lazy_members_step(Ctx& c, RoomParts& p);
    bool has_news(Ctx& c, const RoomParts& p);
    std::string room_json_step(Ctx& c, RoomParts& p);

    // Pieces of a room object (sections/room_json.cpp). write_events returns whether it wrote
    // a membership event.
    bool write_events(const Ctx& c, std::string& out, const std::vector<store::StoredEvent>& rows,
                      const event::RoomVersion& v);
    void write_summary(const Ctx& c, std::string& out, const std::string& room_id);
    void write_unread(Ctx& c, std::string& out, const std::string& room_id);
    static void write_unread_counts(const Ctx& c, std::string& out, const UnreadCounts& counts);
    void write_ephemeral(const Ctx& c, std::string& out, const std::string& room_id, bool full);
    std::string invite_json(const Ctx& c, const std::string& room_id, const std::string& key);
    std::vector<store::StoredEvent> lazy_state_at(const std::string& room_id, std::int64_t at,
                                                  const std::set<std::string>& members);
    // One answer carries this many to-device messages at most (and 1 MiB of their content).
    static constexpr std::int64_t kToDeviceBatch = 100;
    static std::vector<store::ToDeviceMessage>
    to_device_batch(std::vector<store::ToDeviceMessage> rows, std::int64_t upto,
                    std::optional<std::int64_t>& cursor);
    // Whether the caller was joined to the room at c.pos: the room cache may already hold a
    // membership written after it (while this sync waited for its own rows).
    bool joined_at(const Ctx& c, const std::string& room_id);

    room::RoomService& rooms_;
    room::RoomReader& reader_;
    store::Store& store_;
    store::DbPool& db_;
    Notifier& notifier_;
    room::TypingService& typing_;
    e2ee::KeyService& keys_;
    push::NotificationCounter& notifications_;
    presence::PresenceService& presence_;
    EventCache cache_;
    LazyMemberCache lazy_members_;
    SyncCaches& caches_; // the notifier's: kept true by its wake paths

    // A room's incremental timeline over (lower, upper] for one filter, and the state that
    // changed in a limited gap, before any per-device (lazy-loading) trimming. Pure function of
    // durable rows (redactions clear it), shared by every sync with the same range and filter.
    struct TimelineSlice {
        std::vector<store::StoredEvent> timeline; // oldest first
        bool limited = false;
        std::vector<store::StoredEvent> gap_state;   // state at the timeline start, after since
        std::vector<store::StoredEvent> state_after; // use_state_after: state at upper, after since
    };
    SmallCache<TimelineSlice> timelines_{256};
    // A member's membership event as of a position (lazy loading), by "room|user|pos".
    SmallCache<std::optional<store::StoredEvent>> members_at_{4096};
    // Member counts and the first heroes of a room, for its current state version.
    struct RoomSummary {
        std::uint64_t state_version = 0;
        std::int64_t joined = 0, invited = 0;
        std::vector<std::string> heroes; // the 6 oldest joined/invited members
        std::string json_others;         // ,"summary":{...} for a caller not among the heroes
    };
    // The serialized start of a room object (timeline and state sections) by timeline slice key,
    // for syncs that add nothing of their device's to it (see write_joined_room).
    struct SharedRoomJson {
        std::string json;
        bool has_members = false;
    };
    SmallCache<SharedRoomJson> room_json_{256};
    // Parsed filters by "user\nparameter": a stored filter never changes (an upload gets a new
    // id), so a long-polling client's filter is read and parsed once, not on every request.
    // The newest position the store has reported: `since` tokens at or below it need no read.
    std::int64_t known_max_position_ = 0;
    std::unordered_map<std::string, RoomSummary> summaries_;
    std::optional<store::StoredEvent> member_at(const std::string& room_id,
                                                const std::string& user_id, std::int64_t at);
    // The room's current event for (type, key) when it is also the one at `at` (no newer than
    // it), else null: then only the store knows.
    const store::StoredEvent* current_state_at(const std::string& room_id, const std::string& type,
                                               const std::string& key, std::int64_t at);
};

} // namespace myelin::sync
