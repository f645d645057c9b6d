// Rooms, events, state and memberships.
#include "event/event_types.hpp"
#include "store/sql/sql_store.hpp"
#include <stdexcept>

namespace myelin::store::sql {

namespace {
constexpr const char* kEventCols = "e.stream_ordering, e.event_id, e.room_id, e.type, "
                                   "e.state_key, e.sender, e.origin_server_ts, e.depth, e.json, "
                                   "e.redacted_by";

StoredEvent read_event(const Statement& s) {
    return StoredEvent{s.int64(0), s.text(1),  s.text(2),  s.text(3), s.opt_text(4),
                       s.text(5),  s.int64(6), s.int64(7), s.text(8), s.opt_text(9)};
}

std::vector<StoredEvent> read_events(Statement& s) {
    std::vector<StoredEvent> out;
    while (s.step())
        out.push_back(read_event(s));
    return out;
}

std::string sql(const std::string& head, const std::string& tail) {
    return "SELECT " + std::string(kEventCols) + " FROM " + head + tail;
}
} // namespace

// Positions come from the single stream_positions row, bumped inside the caller's write
// transaction. That keeps the stream totally ordered and gap-safe on both engines:
// - The UPDATE locks the row until the transaction ends (SQLite: BEGIN IMMEDIATE takes the
//   database write lock; PostgreSQL: the row lock, which a concurrent writer's UPDATE waits
//   for, re-reading the committed value afterwards even under READ COMMITTED). So positions
//   are handed out in commit order: a writer gets N+1 only after the holder of N committed.
// - A transaction that rolls back rolls its increment back too, so no position is skipped.
// Hence a reader that sees max_stream_position() == N can read every row at positions <= N:
// they were all committed no later than the transaction that made N visible.
std::int64_t SqlStore::next_stream_position() {
    auto s = db_.prepare("UPDATE stream_positions SET pos = pos + 1 WHERE id = 1 RETURNING pos");
    if (!s.step()) throw std::runtime_error("stream_positions row is missing");
    auto pos = s.int64(0);
    if (position_taken) position_taken(pos);
    return pos;
}

std::int64_t SqlStore::max_stream_position() {
    auto s = db_.prepare("SELECT pos FROM stream_positions WHERE id = 1");
    s.step();
    return s.int64(0);
}

std::vector<StoredEvent> SqlStore::events_between(std::int64_t from, std::int64_t to,
                                                  std::size_t limit) {
    auto s = db_.prepare(sql("events e", " WHERE e.stream_ordering > ?1 AND e.stream_ordering <= "
                                         "?2 ORDER BY e.stream_ordering LIMIT ?3"));
    s.bind_all(from, to, static_cast<std::int64_t>(limit));
    return read_events(s);
}

void SqlStore::create_room(const RoomRecord& r) {
    db_.prepare("INSERT INTO rooms (room_id, room_version, creator, is_public, created_ts) "
                "VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind_all(r.room_id, r.room_version, r.creator, r.is_public, r.created_ts)
        .run();
}

std::optional<RoomRecord> SqlStore::get_room(const std::string& room_id) {
    auto s = db_.prepare("SELECT room_id, room_version, creator, is_public, created_ts FROM rooms "
                         "WHERE room_id = ?1");
    s.bind_all(room_id);
    if (!s.step()) return std::nullopt;
    return RoomRecord{s.text(0), s.text(1), s.text(2), s.int64(3) != 0, s.int64(4)};
}

std::int64_t SqlStore::append_event(const NewEvent& e, const std::optional<TxnKey>& txn) {
    Transaction tx(db_);
    if (txn)
        if (auto existing = find_txn(*txn)) throw TxnExists(std::move(*existing));
    std::int64_t pos = next_stream_position();
    if (e.expect_head) {
        // Compare-and-set on the head: on PostgreSQL a concurrent writer's UPDATE of the row
        // waits for this transaction and then finds the head changed.
        db_.prepare("UPDATE rooms SET head_event_id = ?2, head_depth = ?3, head_stream = ?4 "
                    "WHERE room_id = ?1 AND COALESCE(head_event_id, '') = ?5")
            .bind_all(e.room_id, e.event_id, e.depth, pos, *e.expect_head)
            .run();
        if (db_.changes() == 0) throw HeadMoved();
    }
    db_.prepare("INSERT INTO events (stream_ordering, event_id, room_id, type, state_key, sender, "
                "origin_server_ts, depth, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        .bind_all(pos, e.event_id, e.room_id, e.type, e.state_key, e.sender, e.origin_server_ts,
                  e.depth, e.json)
        .run();
    if (e.state_key) {
        db_.prepare("INSERT INTO current_state (room_id, type, state_key, event_id, "
                    "stream_ordering) VALUES (?1, ?2, ?3, ?4, ?5) "
                    "ON CONFLICT (room_id, type, state_key) DO UPDATE SET "
                    "event_id = excluded.event_id, stream_ordering = excluded.stream_ordering")
            .bind_all(e.room_id, e.type, *e.state_key, e.event_id, pos)
            .run();
        db_.prepare("INSERT INTO state_history (room_id, type, state_key, stream_ordering, "
                    "event_id, membership) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .bind_all(e.room_id, e.type, *e.state_key, pos, e.event_id, e.membership)
            .run();
        if (e.type == event_type::member) mark(marks_, &WriteMarks::members, pos);
        if (e.membership) {
            // A new membership un-forgets the room (the user can see it again).
            db_.prepare("INSERT INTO memberships (user_id, room_id, membership, event_id, "
                        "stream_ordering) VALUES (?1, ?2, ?3, ?4, ?5) "
                        "ON CONFLICT (user_id, room_id) DO UPDATE SET "
                        "membership = excluded.membership, event_id = excluded.event_id, "
                        "stream_ordering = excluded.stream_ordering, forgotten = 0")
                .bind_all(*e.state_key, e.room_id, *e.membership, e.event_id, pos)
                .run();
        }
    }
    if (e.redacts) {
        db_.prepare("UPDATE events SET redacted_by = ?2 WHERE event_id = ?1 AND room_id = ?3 "
                    "AND redacted_by IS NULL")
            .bind_all(*e.redacts, e.event_id, e.room_id)
            .run();
    }
    if (e.relation) {
        db_.prepare("INSERT INTO event_relations (event_id, relates_to, rel_type, "
                    "stream_ordering) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING")
            .bind_all(e.event_id, e.relation->relates_to, e.relation->rel_type, pos)
            .run();
    }
    if (!e.expect_head)
        db_.prepare("UPDATE rooms SET head_event_id = ?2, head_depth = ?3, head_stream = ?4 "
                    "WHERE room_id = ?1")
            .bind_all(e.room_id, e.event_id, e.depth, pos)
            .run();
    if (txn) {
        db_.prepare("INSERT INTO event_txns (user_id, device_id, txn_id, event_id) "
                    "VALUES (?1, ?2, ?3, ?4)")
            .bind_all(txn->user_id, txn->device_id, txn->txn_id, e.event_id)
            .run();
    }
    tx.commit();
    return pos;
}

std::optional<StoredEvent> SqlStore::get_event(const std::string& event_id) {
    auto s = db_.prepare(sql("events e", " WHERE e.event_id = ?1"));
    s.bind_all(event_id);
    if (!s.step()) return std::nullopt;
    return read_event(s);
}

std::optional<RoomHead> SqlStore::room_head(const std::string& room_id) {
    auto s = db_.prepare("SELECT head_event_id, head_depth, head_stream FROM rooms "
                         "WHERE room_id = ?1 AND head_event_id IS NOT NULL");
    s.bind_all(room_id);
    if (!s.step()) return std::nullopt;
    return RoomHead{s.text(0), s.int64(1), s.int64(2)};
}

std::optional<std::string> SqlStore::find_txn(const TxnKey& t) {
    auto s = db_.prepare("SELECT event_id FROM event_txns WHERE user_id = ?1 AND device_id = ?2 "
                         "AND txn_id = ?3");
    s.bind_all(t.user_id, t.device_id, t.txn_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::vector<StoredEvent> SqlStore::current_state(const std::string& room_id) {
    auto s = db_.prepare(sql("current_state c JOIN events e ON e.event_id = c.event_id",
                             " WHERE c.room_id = ?1 ORDER BY e.stream_ordering"));
    s.bind_all(room_id);
    return read_events(s);
}

std::vector<StoredEvent> SqlStore::state_at(const std::string& room_id, std::int64_t pos) {
    // For each (type, state_key) the newest history row at or before pos.
    auto s = db_.prepare(sql("state_history h JOIN events e ON e.event_id = h.event_id",
                             " WHERE h.room_id = ?1 AND h.stream_ordering = ("
                             "SELECT MAX(h2.stream_ordering) FROM state_history h2 "
                             "WHERE h2.room_id = h.room_id AND h2.type = h.type "
                             "AND h2.state_key = h.state_key AND h2.stream_ordering <= ?2) "
                             "ORDER BY e.stream_ordering"));
    s.bind_all(room_id, pos);
    return read_events(s);
}

std::optional<StoredEvent> SqlStore::state_event_at(const std::string& room_id,
                                                    const std::string& type,
                                                    const std::string& state_key,
                                                    std::int64_t pos) {
    // CAST: compared bare, a bound ?2 lets SQLite's planner test it against the partial index
    // member_history_by_stream (type = 'm.room.member'), which makes every new binding of ?2
    // expire the cached statement, so it was re-parsed and re-planned on every call.
    auto s = db_.prepare(sql("state_history h JOIN events e ON e.event_id = h.event_id",
                             " WHERE h.room_id = ?1 AND h.type = CAST(?2 AS TEXT) AND "
                             "h.state_key = ?3 "
                             "AND h.stream_ordering <= ?4 ORDER BY h.stream_ordering DESC "
                             "LIMIT 1"));
    s.bind_all(room_id, type, state_key, pos);
    if (!s.step()) return std::nullopt;
    return read_event(s);
}

bool SqlStore::joined_after(const std::string& room_id, const std::string& user_id,
                            std::int64_t pos) {
    auto s = db_.prepare("SELECT 1 FROM state_history WHERE room_id = ?1 AND type = "
                         "'m.room.member' AND state_key = ?2 AND stream_ordering > ?3 "
                         "AND membership = 'join' LIMIT 1");
    s.bind_all(room_id, user_id, pos);
    return s.step();
}

std::optional<std::int64_t> SqlStore::end_of_last_join(const std::string& room_id,
                                                       const std::string& user_id) {
    auto s = db_.prepare(
        "SELECT MIN(h.stream_ordering) FROM state_history h WHERE h.room_id = ?1 AND h.type = "
        "'m.room.member' AND h.state_key = ?2 AND h.membership <> 'join' AND h.stream_ordering > "
        "(SELECT MAX(j.stream_ordering) FROM state_history j WHERE j.room_id = ?1 AND j.type = "
        "'m.room.member' AND j.state_key = ?2 AND j.membership = 'join')");
    s.bind_all(room_id, user_id);
    if (!s.step()) return std::nullopt;
    return s.opt_int64(0);
}

std::vector<StoredEvent> SqlStore::room_events(const std::string& room_id, std::int64_t from,
                                               char dir, std::size_t limit) {
    auto s = db_.prepare(dir == 'b'
                             ? sql("events e", " WHERE e.room_id = ?1 AND e.stream_ordering <= ?2 "
                                               "ORDER BY e.stream_ordering DESC LIMIT ?3")
                             : sql("events e", " WHERE e.room_id = ?1 AND e.stream_ordering > ?2 "
                                               "ORDER BY e.stream_ordering ASC LIMIT ?3"));
    s.bind_all(room_id, from, static_cast<std::int64_t>(limit));
    return read_events(s);
}

std::vector<StoredEvent> SqlStore::room_events_between(const std::string& room_id,
                                                       std::int64_t after, std::int64_t upto,
                                                       std::size_t limit) {
    auto s = db_.prepare(sql("events e", " WHERE e.room_id = ?1 AND e.stream_ordering > ?2 AND "
                                         "e.stream_ordering <= ?3 "
                                         "ORDER BY e.stream_ordering DESC LIMIT ?4"));
    s.bind_all(room_id, after, upto, static_cast<std::int64_t>(limit));
    return read_events(s);
}

std::optional<std::string> SqlStore::membership(const std::string& room_id,
                                                const std::string& user_id) {
    auto s = db_.prepare("SELECT membership FROM memberships WHERE user_id = ?1 AND room_id = ?2");
    s.bind_all(user_id, room_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::vector<std::string> SqlStore::rooms_for_user(const std::string& user_id,
                                                  const std::string& membership) {
    auto s = db_.prepare("SELECT room_id FROM memberships WHERE user_id = ?1 AND membership = ?2 "
                         "ORDER BY stream_ordering");
    s.bind_all(user_id, membership);
    return s.all_text();
}

std::vector<MemberRecord> SqlStore::members(const std::string& room_id) {
    auto s = db_.prepare("SELECT user_id, membership, event_id FROM memberships "
                         "WHERE room_id = ?1 ORDER BY stream_ordering");
    s.bind_all(room_id);
    std::vector<MemberRecord> out;
    while (s.step())
        out.push_back(MemberRecord{s.text(0), s.text(1), s.text(2)});
    return out;
}

void SqlStore::forget_room(const std::string& user_id, const std::string& room_id) {
    db_.prepare("UPDATE memberships SET forgotten = 1 WHERE user_id = ?1 AND room_id = ?2")
        .bind_all(user_id, room_id)
        .run();
}

bool SqlStore::is_forgotten(const std::string& user_id, const std::string& room_id) {
    auto s = db_.prepare("SELECT forgotten FROM memberships WHERE user_id = ?1 AND room_id = ?2");
    s.bind_all(user_id, room_id);
    return s.step() && s.int64(0) != 0;
}

std::vector<StoredEvent> SqlStore::relations(const std::string& room_id,
                                             const std::string& event_id,
                                             const std::optional<std::string>& rel_type,
                                             const std::optional<std::string>& event_type,
                                             std::int64_t from, char dir, std::size_t limit) {
    std::string where =
        " WHERE r.relates_to = ?1 AND (CAST(?2 AS TEXT) IS NULL OR r.rel_type = ?2) "
        "AND (CAST(?3 AS TEXT) IS NULL OR e.type = ?3) AND e.room_id = ?6 ";
    auto s = db_.prepare(
        dir == 'b'
            ? sql("event_relations r JOIN events e ON e.event_id = r.event_id",
                  where + "AND e.stream_ordering <= ?4 ORDER BY e.stream_ordering DESC LIMIT ?5")
            : sql("event_relations r JOIN events e ON e.event_id = r.event_id",
                  where + "AND e.stream_ordering > ?4 ORDER BY e.stream_ordering ASC LIMIT ?5"));
    s.bind_all(event_id, rel_type, event_type, from, static_cast<std::int64_t>(limit), room_id);
    return read_events(s);
}

} // namespace myelin::store::sql
