#pragma once
// Rooms, events, room state and memberships: what RoomService writes and the readers read.
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class EventStore {
public:
    virtual ~EventStore() = default;

    virtual void create_room(const RoomRecord& room) = 0;
    virtual std::optional<RoomRecord> get_room(const std::string& room_id) = 0;
    // Appends an event atomically: allocates its stream position, stores it, updates current
    // state, the state history, memberships, the room head, the redaction index and the
    // transaction map. Returns the stream position.
    virtual std::int64_t append_event(const NewEvent& e, const std::optional<TxnKey>& txn) = 0;
    // The highest stream position that is durably stored.
    virtual std::int64_t max_stream_position() = 0;
    // Events of every room at positions in (from, to], oldest first, at most `limit`.
    virtual std::vector<StoredEvent> events_between(std::int64_t from, std::int64_t to,
                                                    std::size_t limit) = 0;
    virtual std::optional<StoredEvent> get_event(const std::string& event_id) = 0;
    virtual std::optional<RoomHead> room_head(const std::string& room_id) = 0;
    virtual std::optional<std::string> find_txn(const TxnKey& txn) = 0;
    // Current state of a room.
    virtual std::vector<StoredEvent> current_state(const std::string& room_id) = 0;
    // State as it was right after stream position `pos` (inclusive).
    virtual std::vector<StoredEvent> state_at(const std::string& room_id, std::int64_t pos) = 0;
    virtual std::optional<StoredEvent> state_event_at(const std::string& room_id,
                                                      const std::string& type,
                                                      const std::string& state_key,
                                                      std::int64_t pos) = 0;
    // Whether the user's membership became `join` at some position after `pos`.
    virtual bool joined_after(const std::string& room_id, const std::string& user_id,
                              std::int64_t pos) = 0;
    // The position of the membership event that ended the user's last join (their first leave or
    // ban after it), or nothing if they never joined or are joined now.
    virtual std::optional<std::int64_t> end_of_last_join(const std::string& room_id,
                                                         const std::string& user_id) = 0;
    // Timeline pages: dir 'b' returns positions <= from, newest first; 'f' returns > from.
    virtual std::vector<StoredEvent> room_events(const std::string& room_id, std::int64_t from,
                                                 char dir, std::size_t limit) = 0;
    // Positions in (after, upto], newest first: a sync's timeline reads only its range.
    virtual std::vector<StoredEvent> room_events_between(const std::string& room_id,
                                                         std::int64_t after, std::int64_t upto,
                                                         std::size_t limit) = 0;
    virtual std::optional<std::string> membership(const std::string& room_id,
                                                  const std::string& user_id) = 0;
    virtual std::vector<std::string> rooms_for_user(const std::string& user_id,
                                                    const std::string& membership) = 0;
    virtual std::vector<MemberRecord> members(const std::string& room_id) = 0;
    // Every room the user has a membership in, with when it last changed.
    virtual std::vector<MembershipRecord> memberships_of(const std::string& user_id) = 0;
    // The user's memberships that changed in (from, to].
    virtual std::vector<MembershipRecord>
    membership_changes(const std::string& user_id, std::int64_t from, std::int64_t to) = 0;
    // Rooms with at least one event in (from, to].
    virtual std::vector<std::string> rooms_changed(std::int64_t from, std::int64_t to) = 0;
    // The transaction id an event was sent with, if `device` sent it.
    virtual std::optional<std::string> txn_for_event(const std::string& event_id,
                                                     const std::string& user_id,
                                                     const std::string& device_id) = 0;
    virtual void forget_room(const std::string& user_id, const std::string& room_id) = 0;
    virtual bool is_forgotten(const std::string& user_id, const std::string& room_id) = 0;
    // Children of an event by relation in its room (a relation sent from another room is not
    // one), oldest first, after position `from` (dir 'f') or
    // newest first before it (dir 'b').
    virtual std::vector<StoredEvent> relations(const std::string& room_id,
                                               const std::string& event_id,
                                               const std::optional<std::string>& rel_type,
                                               const std::optional<std::string>& event_type,
                                               std::int64_t from, char dir, std::size_t limit) = 0;
};

} // namespace myelin::store
