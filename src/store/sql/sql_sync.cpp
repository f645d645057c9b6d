// Queries incremental sync runs by stream position, and stored filters.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

namespace {
std::vector<MembershipRecord> read_memberships(Statement& s) {
    std::vector<MembershipRecord> out;
    while (s.step())
        out.push_back(MembershipRecord{s.text(0), s.text(1), s.text(2), s.int64(3)});
    return out;
}
} // namespace

std::vector<MembershipRecord> SqlStore::memberships_of(const std::string& user_id) {
    auto s = db_.prepare("SELECT room_id, membership, event_id, stream_ordering FROM memberships "
                         "WHERE user_id = ?1 ORDER BY stream_ordering");
    s.bind_all(user_id);
    return read_memberships(s);
}

std::vector<MembershipRecord> SqlStore::membership_changes(const std::string& user_id,
                                                           std::int64_t from, std::int64_t to) {
    auto s = db_.prepare("SELECT room_id, membership, event_id, stream_ordering FROM memberships "
                         "WHERE user_id = ?1 AND stream_ordering > ?2 AND stream_ordering <= ?3 "
                         "ORDER BY stream_ordering");
    s.bind_all(user_id, from, to);
    return read_memberships(s);
}

std::vector<std::string> SqlStore::rooms_changed(std::int64_t from, std::int64_t to) {
    auto s = db_.prepare("SELECT DISTINCT room_id FROM events WHERE stream_ordering > ?1 "
                         "AND stream_ordering <= ?2");
    s.bind_all(from, to);
    return s.all_text();
}

std::optional<std::string> SqlStore::txn_for_event(const std::string& event_id,
                                                   const std::string& user_id,
                                                   const std::string& device_id) {
    auto s = db_.prepare("SELECT txn_id FROM event_txns WHERE event_id = ?1 AND user_id = ?2 "
                         "AND device_id = ?3");
    s.bind_all(event_id, user_id, device_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::int64_t SqlStore::count_filters(const std::string& user_id) {
    auto s = db_.prepare("SELECT COUNT(*) FROM filters WHERE user_id = ?1");
    s.bind_all(user_id);
    s.step();
    return s.int64(0);
}

std::optional<std::int64_t> SqlStore::find_filter(const std::string& user_id,
                                                  const std::string& json) {
    auto s = db_.prepare("SELECT MIN(filter_id) FROM filters WHERE user_id = ?1 AND json = ?2");
    s.bind_all(user_id, json);
    if (!s.step()) return std::nullopt;
    return s.opt_int64(0);
}

std::int64_t SqlStore::put_filter(const std::string& user_id, const std::string& json) {
    Transaction tx(db_);
    std::int64_t id = 0;
    {
        auto s =
            db_.prepare("SELECT COALESCE(MAX(filter_id), -1) + 1 FROM filters WHERE user_id = ?1");
        s.bind_all(user_id);
        s.step();
        id = s.int64(0);
    }
    db_.prepare("INSERT INTO filters (user_id, filter_id, json) VALUES (?1, ?2, ?3)")
        .bind_all(user_id, id, json)
        .run();
    tx.commit();
    return id;
}

std::optional<std::string> SqlStore::get_filter(const std::string& user_id,
                                                std::int64_t filter_id) {
    auto s = db_.prepare("SELECT json FROM filters WHERE user_id = ?1 AND filter_id = ?2");
    s.bind_all(user_id, filter_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

} // namespace myelin::store::sql
