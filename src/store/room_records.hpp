#pragma once
#include <stdexcept>
// Records for rooms and events that cross the store boundary.
#include <cstdint>
#include <optional>
#include <string>

namespace myelin::store {

struct RoomRecord {
    std::string room_id;
    std::string room_version;
    std::string creator;
    bool is_public = false; // listed in the public room directory
    std::int64_t created_ts = 0;
};

// One event as stored: indexed columns plus the full PDU as canonical JSON text.
struct StoredEvent {
    std::int64_t stream_ordering = 0; // position in the one global, totally ordered stream
    std::string event_id;
    std::string room_id;
    std::string type;
    std::optional<std::string> state_key;
    std::string sender;
    std::int64_t origin_server_ts = 0;
    std::int64_t depth = 0;
    std::string json;
    std::optional<std::string> redacted_by; // id of the redaction that applies, if any
};

struct RelationRecord {
    std::string rel_type;
    std::string relates_to; // event id of the parent
};

// A new event to append, with everything the store indexes alongside it.
struct NewEvent {
    std::string event_id;
    std::string room_id;
    std::string type;
    std::optional<std::string> state_key;
    std::string sender;
    std::int64_t origin_server_ts = 0;
    std::int64_t depth = 0;
    std::string json;
    std::optional<std::string> membership; // for m.room.member
    std::optional<std::string> redacts;    // for m.room.redaction
    std::optional<RelationRecord> relation;
    // The room head the event was built on ("" for a room's first event). When set, the append
    // fails with HeadMoved if another writer (another process) moved the head meanwhile.
    std::optional<std::string> expect_head;
};

// append_event: the room's head is no longer the one the event was built on.
struct HeadMoved : std::runtime_error {
    HeadMoved()
        : std::runtime_error("room head moved") {}
};

// append_event: the client transaction id already made an event (a retried send). Checked
// inside the write transaction, so a send pays no read transaction of its own for it. Two
// concurrent retries cannot both append: the second waits for the first's write lock (SQLite)
// or head update (PostgreSQL), then finds the id.
struct TxnExists : std::runtime_error {
    explicit TxnExists(std::string id)
        : std::runtime_error("transaction id already used")
        , event_id(std::move(id)) {}
    std::string event_id;
};

// Client transaction id that made an event (idempotent sends).
struct TxnKey {
    std::string user_id;
    std::string device_id;
    std::string txn_id;
};

struct RoomHead {
    std::string event_id;
    std::int64_t depth = 0;
    std::int64_t stream_ordering = 0;
};

struct MemberRecord {
    std::string user_id;
    std::string membership;
    std::string event_id;
};

// A user's current membership in a room and when it last changed.
struct MembershipRecord {
    std::string room_id;
    std::string membership;
    std::string event_id;
    std::int64_t stream_ordering = 0;
};

struct ReceiptRecord {
    std::string room_id;
    std::string user_id;
    std::string receipt_type; // m.read, m.read.private
    std::string thread_id;    // empty: unthreaded
    std::string event_id;
    std::int64_t ts = 0;
    std::int64_t stream_position = 0;
};

struct ToDeviceMessage {
    std::string user_id; // recipient
    std::string device_id;
    std::string sender;
    std::string type;
    std::string content; // JSON text
    std::int64_t stream_position = 0;
};

// An event that notifies `user_id` (push rule evaluation said "notify").
struct PushAction {
    std::string user_id;
    std::string room_id;
    std::int64_t stream_ordering = 0;
    std::string thread_id; // "main" outside threads, else the thread root's event id
    bool highlight = false;
};

struct UnreadCount {
    std::int64_t notifications = 0;
    std::int64_t highlights = 0;
};

struct AccountDataRecord {
    std::string room_id; // empty for global account data
    std::string type;
    std::string content; // JSON text
    std::int64_t stream_position = 0;
};

} // namespace myelin::store
