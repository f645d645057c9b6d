// Presence.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

namespace {
#define MYELIN_PRESENCE_COLS                                                                       \
    "SELECT user_id, state, status_msg, last_active_ts, stream_position FROM presence "

PresenceRecord read_presence(Statement& s) {
    return PresenceRecord{s.text(0), s.text(1), s.opt_text(2), s.int64(3), s.int64(4)};
}
} // namespace

std::int64_t SqlStore::put_presence(const PresenceRecord& p) {
    Transaction tx(db_);
    auto pos = next_stream_position();
    db_.prepare("INSERT INTO presence (user_id, state, status_msg, last_active_ts, "
                "stream_position) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id) DO UPDATE "
                "SET state = excluded.state, status_msg = excluded.status_msg, "
                "last_active_ts = excluded.last_active_ts, "
                "stream_position = excluded.stream_position")
        .bind_all(p.user_id, p.state, p.status_msg, p.last_active_ts, pos)
        .run();
    tx.commit();
    return pos;
}

std::optional<PresenceRecord> SqlStore::get_presence(const std::string& user_id) {
    auto s = db_.prepare(MYELIN_PRESENCE_COLS "WHERE user_id = ?1");
    s.bind_all(user_id);
    if (!s.step()) return std::nullopt;
    return read_presence(s);
}

std::vector<PresenceRecord> SqlStore::presence_changes(std::int64_t from, std::int64_t to) {
    auto s =
        db_.prepare(MYELIN_PRESENCE_COLS "WHERE stream_position > ?1 AND stream_position <= ?2");
    s.bind_all(from, to);
    std::vector<PresenceRecord> out;
    while (s.step())
        out.push_back(read_presence(s));
    return out;
}

} // namespace myelin::store::sql
