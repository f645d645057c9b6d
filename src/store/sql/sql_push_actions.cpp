// Push actions and unread notification counts.
//
// `push_actions` holds one row per notified member per event, in room order, so a message's
// rows land together at the end of its room. `push_counts` keeps, per (room, user, thread), in
// that order (so a message's updates land together too), how many of those rows (and how many
// highlights) lie after `from_pos`. Appending adds to the
// counts; a read receipt moves `from_pos` to where the receipt points and counts again what
// lies after it (usually nothing: clients acknowledge the newest event). Reading the counts is
// then one small indexed read; only a receipt changed behind the store's back (or counts
// carried over from schema 9, which start at position 0) makes a read count rows.
#include "store/sql/sql_store.hpp"

#include <tuple>

namespace myelin::store::sql {

namespace {
// Where a thread's count starts: after the unthreaded receipt, or after the thread's own
// receipt when that is further along (an unthreaded receipt covers every thread).
std::int64_t effective_read_position(const std::map<std::string, std::int64_t>& read_up_to,
                                     const std::string& thread_id) {
    auto u = read_up_to.find("");
    auto unthreaded = u == read_up_to.end() ? 0 : u->second;
    auto it = read_up_to.find(thread_id);
    return it == read_up_to.end() ? unthreaded : std::max(unthreaded, it->second);
}

struct CountRow {
    std::string thread_id;
    std::int64_t from_pos;
    UnreadCount counts; // after from_pos
};

std::vector<CountRow> count_rows(Connection& db, const std::string& user_id,
                                 const std::string& room_id) {
    std::vector<CountRow> rows;
    auto s = db.prepare("SELECT thread_id, from_pos, notifications, highlights FROM push_counts "
                        "WHERE user_id = ?1 AND room_id = ?2");
    s.bind_all(user_id, room_id);
    while (s.step())
        rows.push_back(CountRow{s.text(0), s.int64(1), UnreadCount{s.int64(2), s.int64(3)}});
    return rows;
}
} // namespace

void SqlStore::put_push_actions(const std::vector<PushAction>& actions,
                                std::optional<std::int64_t> through) {
    if (actions.empty() && !through) return;
    Transaction tx(db_);
    if (through)
        db_.prepare("INSERT INTO meta (key, value) VALUES ('push_actions_through', ?1) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind_all(std::to_string(*through))
            .run();
    // One statement for every row (a message to a room of 10,000 stores up to 10,000 rows).
    auto rows = db_.prepare("INSERT INTO push_actions (room_id, stream_ordering, user_id, "
                            "thread_id, highlight) VALUES (?1, ?2, ?3, ?4, ?5) "
                            "ON CONFLICT DO NOTHING");
    // A batch (one flush) often holds several messages of a room: one update per triple, in
    // the table's (room, user, thread) order.
    std::map<std::tuple<std::string, std::string, std::string>, UnreadCount> added;
    for (const auto& a : actions) {
        rows.bind_all(a.room_id, a.stream_ordering, a.user_id, a.thread_id, a.highlight).run();
        auto inserted = db_.changes() > 0; // an action evaluated twice (recover) counts once
        rows.reset();
        if (!inserted) continue;
        auto& n = added[{a.room_id, a.user_id, a.thread_id}];
        ++n.notifications;
        if (a.highlight) ++n.highlights;
    }
    // A triple without a row has had no action before: counting from position 0 is exact.
    auto counts = db_.prepare(
        "INSERT INTO push_counts (room_id, user_id, thread_id, from_pos, notifications, "
        "highlights) VALUES (?1, ?2, ?3, 0, ?4, ?5) ON CONFLICT (room_id, user_id, thread_id) "
        "DO UPDATE SET notifications = push_counts.notifications + excluded.notifications, "
        "highlights = push_counts.highlights + excluded.highlights");
    for (const auto& [key, n] : added) {
        const auto& [room_id, user_id, thread_id] = key;
        counts.bind_all(room_id, user_id, thread_id, n.notifications, n.highlights).run();
        counts.reset();
    }
    tx.commit();
}

std::map<std::string, std::int64_t> SqlStore::read_positions(const std::string& user_id,
                                                             const std::string& room_id) {
    std::map<std::string, std::int64_t> read_up_to;
    auto s = db_.prepare("SELECT r.thread_id, MAX(e.stream_ordering) FROM receipts r "
                         "JOIN events e ON e.event_id = r.event_id WHERE r.room_id = ?1 AND "
                         "r.user_id = ?2 AND r.receipt_type IN ('m.read', 'm.read.private') "
                         "GROUP BY r.thread_id");
    s.bind_all(room_id, user_id);
    while (s.step())
        read_up_to[s.text(0)] = s.int64(1);
    return read_up_to;
}

UnreadCount SqlStore::count_push_actions(const std::string& user_id, const std::string& room_id,
                                         const std::string& thread_id, std::int64_t after) {
    // The room's rows after `after`, in key order: what has not been read yet.
    auto s = db_.prepare("SELECT COUNT(*), COALESCE(SUM(highlight), 0) FROM push_actions "
                         "WHERE room_id = ?1 AND stream_ordering > ?2 AND user_id = ?3 AND "
                         "thread_id = ?4");
    s.bind_all(room_id, after, user_id, thread_id);
    s.step();
    return UnreadCount{s.int64(0), s.int64(1)};
}

std::map<std::string, UnreadCount> SqlStore::unread_counts(const std::string& user_id,
                                                           const std::string& room_id) {
    auto read_up_to = read_positions(user_id, room_id);
    std::map<std::string, UnreadCount> out;
    for (const auto& row : count_rows(db_, user_id, room_id)) {
        auto read = effective_read_position(read_up_to, row.thread_id);
        out[row.thread_id] = read == row.from_pos
                                 ? row.counts
                                 : count_push_actions(user_id, room_id, row.thread_id, read);
    }
    std::erase_if(out, [](const auto& kv) { return kv.second.notifications == 0; });
    return out;
}

void SqlStore::refresh_push_counts(const std::string& user_id, const std::string& room_id) {
    Transaction tx(db_);
    // Lock the user's rows first (PostgreSQL: an append that already added to them commits
    // before the count below runs, and one that has not yet waits for this transaction and
    // then adds to the new count, so no action is counted twice or lost).
    db_.prepare("UPDATE push_counts SET from_pos = from_pos WHERE user_id = ?1 AND room_id = ?2")
        .bind_all(user_id, room_id)
        .run();
    auto read_up_to = read_positions(user_id, room_id);
    auto update = db_.prepare("UPDATE push_counts SET from_pos = ?4, notifications = ?5, "
                              "highlights = ?6 WHERE user_id = ?1 AND room_id = ?2 AND "
                              "thread_id = ?3");
    for (const auto& row : count_rows(db_, user_id, room_id)) {
        auto read = effective_read_position(read_up_to, row.thread_id);
        if (read == row.from_pos) continue;
        auto n = count_push_actions(user_id, room_id, row.thread_id, read);
        update.bind_all(user_id, room_id, row.thread_id, read, n.notifications, n.highlights).run();
        update.reset();
    }
    tx.commit();
}

} // namespace myelin::store::sql
