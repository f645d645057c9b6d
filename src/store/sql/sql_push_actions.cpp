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

namespace {
// "(?1, ?2), (?3, ?4)" for 2 rows of 2 columns: the VALUES list of a multi-row statement.
std::string values_list(int columns, int rows) {
    std::string out;
    int n = 0;
    for (int r = 0; r < rows; ++r) {
        out += r ? ", (" : "(";
        for (int c = 0; c < columns; ++c) {
            if (c) out += ", ";
            out += "?" + std::to_string(++n);
        }
        out += ')';
    }
    return out;
}

// Rows go in statements of these many rows (each size one cached statement): on PostgreSQL
// every statement is a round trip, and a message to a room of 10,000 members has up to 10,000
// rows of each kind.
constexpr int kChunkSizes[] = {256, 16, 1};

template <class Row, class Bind, class Each>
void insert_in_chunks(Connection& db, const std::vector<Row>& rows, const std::string& head,
                      int columns, const std::string& tail, Bind bind, Each each_result) {
    std::size_t at = 0;
    for (int size : kChunkSizes) {
        while (rows.size() - at >= static_cast<std::size_t>(size)) {
            auto s = db.prepare(head + values_list(columns, size) + tail);
            for (int r = 0; r < size; ++r)
                bind(s, r * columns, rows[at + static_cast<std::size_t>(r)]);
            while (s.step())
                each_result(s);
            at += static_cast<std::size_t>(size);
        }
    }
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
    // A batch (one flush) often holds several messages of a room: one update per triple, in
    // the table's (room, user, thread) order. Only rows that went in count: an action
    // evaluated twice (recover) is returned once.
    std::map<std::tuple<std::string, std::string, std::string>, UnreadCount> added;
    insert_in_chunks(
        db_, actions,
        "INSERT INTO push_actions (room_id, stream_ordering, user_id, thread_id, highlight) "
        "VALUES ",
        5, " ON CONFLICT DO NOTHING RETURNING room_id, user_id, thread_id, highlight",
        [](Statement& s, int first, const PushAction& a) {
            s.bind(first + 1, a.room_id)
                .bind(first + 2, a.stream_ordering)
                .bind(first + 3, a.user_id)
                .bind(first + 4, a.thread_id)
                .bind(first + 5, a.highlight);
        },
        [&](Statement& s) {
            auto& n = added[{s.text(0), s.text(1), s.text(2)}];
            ++n.notifications;
            if (s.int64(3)) ++n.highlights;
        });
    // A triple without a row has had no action before: counting from position 0 is exact.
    struct Added {
        const std::tuple<std::string, std::string, std::string>* key;
        UnreadCount n;
    };
    std::vector<Added> rows;
    rows.reserve(added.size());
    for (const auto& [key, n] : added)
        rows.push_back(Added{&key, n});
    insert_in_chunks(
        db_, rows,
        "INSERT INTO push_counts (room_id, user_id, thread_id, from_pos, notifications, "
        "highlights) VALUES ",
        6,
        " ON CONFLICT (room_id, user_id, thread_id) DO UPDATE SET notifications = "
        "push_counts.notifications + excluded.notifications, highlights = "
        "push_counts.highlights + excluded.highlights",
        [](Statement& s, int first, const Added& a) {
            const auto& [room_id, user_id, thread_id] = *a.key;
            s.bind(first + 1, room_id)
                .bind(first + 2, user_id)
                .bind(first + 3, thread_id)
                .bind(first + 4, std::int64_t{0})
                .bind(first + 5, a.n.notifications)
                .bind(first + 6, a.n.highlights);
        },
        [](Statement&) {});
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
