// Push actions and unread notification counts.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

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
    auto s =
        db_.prepare("INSERT INTO event_push_actions (user_id, room_id, stream_ordering, "
                    "thread_id, highlight) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
    for (const auto& a : actions) {
        s.bind_all(a.user_id, a.room_id, a.stream_ordering, a.thread_id, a.highlight).run();
        s.reset();
    }
    tx.commit();
}

std::map<std::string, UnreadCount> SqlStore::unread_counts(const std::string& user_id,
                                                           const std::string& room_id) {
    // Where each read receipt points, by thread ("" for unthreaded receipts).
    std::map<std::string, std::int64_t> read_up_to;
    {
        auto s = db_.prepare("SELECT r.thread_id, MAX(e.stream_ordering) FROM receipts r "
                             "JOIN events e ON e.event_id = r.event_id WHERE r.room_id = ?1 AND "
                             "r.user_id = ?2 AND r.receipt_type IN ('m.read', 'm.read.private') "
                             "GROUP BY r.thread_id");
        s.bind_all(room_id, user_id);
        while (s.step())
            read_up_to[s.text(0)] = s.int64(1);
    }
    auto unthreaded = read_up_to.count("") ? read_up_to[""] : 0;
    std::map<std::string, UnreadCount> out;
    {
        auto s = db_.prepare("SELECT thread_id, COUNT(*), SUM(highlight) FROM event_push_actions "
                             "WHERE user_id = ?1 AND room_id = ?2 AND stream_ordering > ?3 "
                             "GROUP BY thread_id");
        s.bind_all(user_id, room_id, unthreaded);
        while (s.step())
            out[s.text(0)] = UnreadCount{s.int64(1), s.int64(2)};
    }
    // A threaded receipt further along than the unthreaded one narrows its thread's count.
    for (const auto& [thread, pos] : read_up_to) {
        if (thread.empty() || pos <= unthreaded || !out.count(thread)) continue;
        auto s = db_.prepare("SELECT COUNT(*), COALESCE(SUM(highlight), 0) FROM "
                             "event_push_actions WHERE user_id = ?1 AND room_id = ?2 AND "
                             "thread_id = ?3 AND stream_ordering > ?4");
        s.bind_all(user_id, room_id, thread, pos);
        s.step();
        out[thread] = UnreadCount{s.int64(0), s.int64(1)};
    }
    std::erase_if(out, [](const auto& kv) { return kv.second.notifications == 0; });
    return out;
}

} // namespace myelin::store::sql
