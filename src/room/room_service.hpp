#pragma once
// Rooms: building, authorizing and storing events, and the membership operations.
// Every write goes through send_event(), which applies the room version's authorization
// rules against the current state before anything is stored.
#include "event/auth_rules.hpp"
#include "event/membership.hpp"
#include "event/room_version.hpp"
#include "event/signing_key.hpp"
#include "event/state_map.hpp"
#include "feed/change_feed.hpp"
#include "room/event.hpp"
#include "store/store.hpp"
#include <boost/json.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace myelin::room {

struct StateEntry; // an initial_state entry of createRoom

struct SendResult {
    std::string event_id;
    std::int64_t stream_ordering = 0;
};

struct CreateRoomRequest {
    boost::json::object body; // the /createRoom body, validated by the service
};

// What the service needs to know about the caller for a write.
struct Actor {
    std::string user_id;
    std::string device_id;
};

class RoomService {
public:
    // Every stored event is published to `feed` as a room_event: Origin::here for events this
    // process stored (once committed), other_process for those apply_stored reads back.
    RoomService(std::string server_name, store::Store& store, event::SigningKey key,
                feed::ChangeFeed& feed);

    const std::string& server_name() const { return server_name_; }

    // Builds, authorizes and stores one event; 403 M_FORBIDDEN with the rule's reason if the
    // auth rules refuse it, 413 M_TOO_LARGE over 65,536 bytes. With a transaction id, a
    // repeated request returns the first event instead of sending another.
    SendResult send_event(const std::string& room_id, const Actor& actor, const std::string& type,
                          boost::json::object content,
                          std::optional<std::string> state_key = std::nullopt,
                          std::optional<std::string> txn_id = std::nullopt);

    std::string create_room(const Actor& actor, const boost::json::object& body);

    // Membership. `room` may be a room id or (for join/knock) an alias.
    std::string join(const Actor& actor, const std::string& room_id_or_alias,
                     const std::optional<std::string>& reason);
    void leave(const Actor& actor, const std::string& room_id,
               const std::optional<std::string>& reason);
    void invite(const Actor& actor, const std::string& room_id, const std::string& target,
                const std::optional<std::string>& reason);
    void kick(const Actor& actor, const std::string& room_id, const std::string& target,
              const std::optional<std::string>& reason);
    void ban(const Actor& actor, const std::string& room_id, const std::string& target,
             const std::optional<std::string>& reason);
    void unban(const Actor& actor, const std::string& room_id, const std::string& target,
               const std::optional<std::string>& reason);
    std::string knock(const Actor& actor, const std::string& room_id_or_alias,
                      const std::optional<std::string>& reason);
    void forget(const Actor& actor, const std::string& room_id);
    SendResult redact(const Actor& actor, const std::string& room_id, const std::string& event_id,
                      const std::optional<std::string>& reason, const std::string& txn_id);

    // Resolves a room id or alias to a room id (404 M_NOT_FOUND when unknown).
    std::string resolve_room(const std::string& room_id_or_alias);
    const event::RoomVersion& version_of(const std::string& room_id);
    // Current state (cached); null when the room does not exist.
    const std::map<event::StateKey, EventPtr>* state(const std::string& room_id);
    // Changes whenever the room's current state does (never repeats, also across reloads):
    // what is derived from the state alone can be cached under it.
    std::uint64_t state_version(const std::string& room_id);
    EventPtr state_event(const std::string& room_id, const std::string& type,
                         const std::string& state_key = "");
    std::optional<std::string> membership(const std::string& room_id, const std::string& user_id);
    std::optional<event::Membership> membership_of(const std::string& room_id,
                                                   const std::string& user_id);
    // membership() == "join" without copying: asked for every changed room of every sync.
    bool joined(const std::string& room_id, const std::string& user_id);
    // The user's power level and the level an action needs, from current state.
    std::int64_t user_power(const std::string& room_id, const std::string& user_id);
    std::int64_t invite_power(const std::string& room_id);
    std::int64_t required_power(const std::string& room_id, const std::string& type, bool is_state);

    // An event another process stored (read back from the store in stream order): updates the
    // cached state of the room, then publishes it. Events the cache already covers are
    // skipped, so applying one twice is harmless.
    void apply_stored(store::StoredEvent row);
    // Set when other processes share the database: events stored here are remembered until
    // apply_stored passes them, so that they are not announced twice.
    bool replicated = false;
    // Called when an append found the room's head moved (another process wrote to the room):
    // should apply what other processes stored. Without it the room is reloaded.
    std::function<void()> on_head_moved;

    // The rooms the user is joined to, and a room's members, as the store has them.
    std::vector<std::string> joined_rooms(const std::string& user_id) {
        return store_.rooms_for_user(user_id, "join");
    }
    std::vector<store::MemberRecord> members(const std::string& room_id) {
        return store_.members(room_id);
    }

private:
    struct RoomCache {
        event::RoomVersion version;
        std::map<event::StateKey, EventPtr> state;
        // The head the cached state belongs to: new events name it as prev_event, and the
        // store refuses the append if it is no longer the head.
        std::optional<store::RoomHead> head;
        std::uint64_t state_version = 0;
        // user → membership, from the member events in `state`: one hash lookup for the
        // membership checks every sync makes (the state map compares pairs of strings). A flat
        // map: libstdc++'s unordered_map compares keys one by one below 21 entries instead of
        // hashing, and member IDs share long prefixes.
        boost::unordered_flat_map<std::string, event::Membership> memberships{};
        void set_state(const EventPtr& e);
    };
    RoomCache* load(const std::string& room_id);
    // The user's membership in the cached state, or null; valid until the room next changes.
    const event::Membership* cached_membership(const std::string& room_id,
                                               const std::string& user_id);
    RoomCache& require_room(const std::string& room_id);
    void set_membership(const Actor& actor, const std::string& room_id, const std::string& target,
                        const std::string& membership, const std::optional<std::string>& reason);
    boost::json::object member_content(const std::string& user_id, const std::string& membership);
    SendResult store_event(const std::string& room_id, const boost::json::object& pdu,
                           const std::optional<store::TxnKey>& txn);
    SendResult try_store_event(const std::string& room_id, boost::json::object pdu,
                               const std::optional<store::TxnKey>& txn);
    void apply_to_cache(RoomCache& room, const EventPtr& e);
    // What a retried transaction id answers: the event it made the first time.
    SendResult sent_before(const std::string& event_id);
    static void check_sizes(const boost::json::object& pdu);
    // Publishes an event this process stored.
    void announce(const Event& e);
    // Runs `writes` in one store transaction: all of it is stored, or (it threw) none, and
    // its events are announced only once committed.
    void in_one_batch(const std::string& room_id, const std::function<void()>& writes);
    // createRoom's events after the create event, in the spec's order.
    void send_initial_events(const Actor& actor, const std::string& room_id,
                             const event::RoomVersion& version, const std::string& preset,
                             bool is_direct, const std::optional<std::string>& alias,
                             const std::vector<std::string>& invitees,
                             std::vector<StateEntry> initial_state,
                             const boost::json::object* pl_override,
                             const std::optional<std::string>& name,
                             const std::optional<std::string>& topic);
    std::optional<std::string> authorise_redaction(const std::string& room_id,
                                                   const boost::json::object& pdu,
                                                   const event::StateMap& state,
                                                   const event::RoomVersion& v,
                                                   event::AuthDecision& decision);

    std::string server_name_;
    store::Store& store_;
    feed::ChangeFeed& feed_;
    event::SigningKey key_;
    std::unordered_map<std::string, RoomCache> rooms_;
    std::uint64_t next_state_version_ = 1;
    std::unordered_set<std::int64_t> own_positions_;
    std::vector<EventPtr>* deferred_ = nullptr; // inside in_one_batch: stored, not announced
};

} // namespace myelin::room
