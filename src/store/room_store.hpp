#pragma once
// Storage for rooms, events, room state, memberships, aliases and account data.
#include "store/room_records.hpp"
#include <map>
#include <optional>
#include <vector>

namespace myelin::store {

class RoomStore {
public:
    virtual ~RoomStore() = default;

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
    // Receipts: storing one takes a stream position (sync reads them by position).
    virtual std::int64_t put_receipt(const ReceiptRecord& r) = 0;
    virtual std::vector<ReceiptRecord> receipts_between(std::int64_t from, std::int64_t to) = 0;
    virtual std::vector<ReceiptRecord> receipts_in_room(const std::string& room_id) = 0;
    virtual std::optional<ReceiptRecord> receipt(const std::string& room_id,
                                                 const std::string& user_id,
                                                 const std::string& receipt_type,
                                                 const std::string& thread_id) = 0;
    // To-device messages. put: all rows in one transaction under one new stream position;
    // false (and nothing written) when the sender's transaction id was used before.
    virtual std::optional<std::int64_t> put_to_device(const TxnKey& txn,
                                                      const std::vector<ToDeviceMessage>& msgs) = 0;
    // The device's messages in (after, upto], oldest first, `limit` at most.
    virtual std::vector<ToDeviceMessage> to_device_for(const std::string& user_id,
                                                       const std::string& device_id,
                                                       std::int64_t after, std::int64_t upto,
                                                       std::int64_t limit = INT64_MAX) = 0;
    // Keeps the newest `keep` messages of the device, and newest ones of `keep_bytes` of
    // content at most (whole positions), deleting older ones.
    virtual void trim_to_device(const std::string& user_id, const std::string& device_id,
                                std::int64_t keep, std::int64_t keep_bytes = INT64_MAX) = 0;
    // Deletes what the device has acknowledged (positions <= upto).
    virtual void ack_to_device(const std::string& user_id, const std::string& device_id,
                               std::int64_t upto) = 0;
    // Filters (POST /user/{userId}/filter): ids are per user and increase.
    // The id of a filter of this user's with exactly this text, if one is stored.
    virtual std::optional<std::int64_t> find_filter(const std::string& user_id,
                                                    const std::string& json) = 0;
    virtual std::int64_t put_filter(const std::string& user_id, const std::string& json) = 0;
    virtual std::int64_t count_filters(const std::string& user_id) = 0;
    virtual std::optional<std::string> get_filter(const std::string& user_id,
                                                  std::int64_t filter_id) = 0;
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

    // Aliases and the public directory.
    virtual bool put_alias(const std::string& alias, const std::string& room_id,
                           const std::string& creator) = 0; // false if taken
    virtual std::optional<std::pair<std::string, std::string>>
    get_alias(const std::string& alias) = 0; // (room_id, creator)
    virtual bool delete_alias(const std::string& alias) = 0;
    virtual std::vector<std::string> aliases_for_room(const std::string& room_id) = 0;
    virtual void set_room_public(const std::string& room_id, bool is_public) = 0;
    virtual std::vector<std::string> public_rooms() = 0;

    // Push actions and the unread counts they add up to after the user's read receipts
    // (m.read and m.read.private; an unthreaded receipt covers every thread), by thread id.
    // With `through`, the same transaction records (meta `push_actions_through`) that the
    // actions of every event up to that position are now stored.
    virtual void put_push_actions(const std::vector<PushAction>& actions,
                                  std::optional<std::int64_t> through = std::nullopt) = 0;
    virtual std::map<std::string, UnreadCount> unread_counts(const std::string& user_id,
                                                             const std::string& room_id) = 0;

    // Account data (room_id empty: global). Each write takes a stream position.
    virtual std::int64_t put_account_data(const std::string& user_id, const std::string& room_id,
                                          const std::string& type, const std::string& content) = 0;
    // Entries of a user's account data, global and per room.
    virtual std::int64_t count_account_data(const std::string& user_id) = 0;
    virtual std::optional<std::string> get_account_data(const std::string& user_id,
                                                        const std::string& room_id,
                                                        const std::string& type) = 0;
    virtual std::vector<AccountDataRecord> account_data_since(const std::string& user_id,
                                                              std::int64_t after) = 0;
    // The users who have account data of this type (in this room; "" for global).
    virtual std::vector<std::string> account_data_owners(const std::string& room_id,
                                                         const std::string& type) = 0;
};

} // namespace myelin::store
