// To-device messages.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

namespace {
std::string device_key(const std::string& user_id, const std::string& device_id) {
    std::string key;
    key.reserve(user_id.size() + 1 + device_id.size());
    return key.append(user_id).append(1, '\0').append(device_id);
}
} // namespace

bool SqlStore::to_device_known_empty(const std::string& user_id,
                                     const std::string& device_id) const {
    return to_device_empty_ && to_device_empty_->count(device_key(user_id, device_id)) > 0;
}

std::optional<std::int64_t> SqlStore::put_to_device(const TxnKey& txn,
                                                    const std::vector<ToDeviceMessage>& msgs) {
    Transaction tx(db_);
    db_.prepare("INSERT INTO to_device_txns (user_id, device_id, txn_id) "
                "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")
        .bind_all(txn.user_id, txn.device_id, txn.txn_id)
        .run();
    if (db_.changes() == 0) return std::nullopt; // a retry of a request already stored
    auto pos = next_stream_position();
    std::int64_t seq = 0;
    for (const auto& m : msgs) {
        if (to_device_empty_) to_device_empty_->erase(device_key(m.user_id, m.device_id));
        db_.prepare("INSERT INTO to_device (user_id, device_id, stream_position, seq, sender, "
                    "type, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .bind_all(m.user_id, m.device_id, pos, seq++, m.sender, m.type, m.content)
            .run();
    }
    tx.commit();
    return pos;
}

std::vector<ToDeviceMessage> SqlStore::to_device_for(const std::string& user_id,
                                                     const std::string& device_id,
                                                     std::int64_t after, std::int64_t upto,
                                                     std::int64_t limit) {
    if (to_device_known_empty(user_id, device_id)) return {};
    auto s = db_.prepare("SELECT user_id, device_id, sender, type, content, stream_position "
                         "FROM to_device WHERE user_id = ?1 AND device_id = ?2 AND "
                         "stream_position > ?3 AND stream_position <= ?4 "
                         "ORDER BY stream_position, seq LIMIT ?5");
    s.bind_all(user_id, device_id, after, upto, limit);
    std::vector<ToDeviceMessage> out;
    while (s.step())
        out.push_back(
            ToDeviceMessage{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5)});
    return out;
}

void SqlStore::trim_to_device(const std::string& user_id, const std::string& device_id,
                              std::int64_t keep, std::int64_t keep_bytes) {
    // Positions older than the keep-th newest message's; none when fewer are pending.
    db_.prepare("DELETE FROM to_device WHERE user_id = ?1 AND device_id = ?2 AND "
                "stream_position < (SELECT stream_position FROM to_device WHERE user_id = ?1 "
                "AND device_id = ?2 ORDER BY stream_position DESC, seq DESC LIMIT 1 OFFSET ?3)")
        .bind_all(user_id, device_id, keep - 1)
        .run();
    if (keep_bytes == INT64_MAX) return;
    // Then every position at or below the newest one whose message, counted from the newest
    // down, takes the content past keep_bytes.
    db_.prepare("DELETE FROM to_device WHERE user_id = ?1 AND device_id = ?2 AND "
                "stream_position <= (SELECT MAX(stream_position) FROM (SELECT stream_position, "
                "SUM(LENGTH(content)) OVER (ORDER BY stream_position DESC, seq DESC) AS total "
                "FROM to_device WHERE user_id = ?1 AND device_id = ?2) newest WHERE total > ?3)")
        .bind_all(user_id, device_id, keep_bytes)
        .run();
}

void SqlStore::ack_to_device(const std::string& user_id, const std::string& device_id,
                             std::int64_t upto) {
    if (to_device_known_empty(user_id, device_id)) return;
    db_.prepare("DELETE FROM to_device WHERE user_id = ?1 AND device_id = ?2 AND "
                "stream_position <= ?3")
        .bind_all(user_id, device_id, upto)
        .run();
    // Outside a transaction only: a rollback would bring the deleted rows back.
    if (!to_device_empty_ || db_.in_transaction()) return;
    auto left =
        db_.prepare("SELECT 1 FROM to_device WHERE user_id = ?1 AND device_id = ?2 LIMIT 1");
    left.bind_all(user_id, device_id);
    if (!left.step()) to_device_empty_->insert(device_key(user_id, device_id));
}

} // namespace myelin::store::sql
