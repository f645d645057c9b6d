// Read receipts.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

namespace {
constexpr const char* kCols = "SELECT room_id, user_id, receipt_type, thread_id, event_id, ts, "
                              "stream_position FROM receipts ";

std::vector<ReceiptRecord> read_receipts(Statement& s) {
    std::vector<ReceiptRecord> out;
    while (s.step())
        out.push_back(ReceiptRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4),
                                    s.int64(5), s.int64(6)});
    return out;
}
} // namespace

std::int64_t SqlStore::put_receipt(const ReceiptRecord& r) {
    Transaction tx(db_);
    auto pos = next_stream_position();
    db_.prepare("INSERT INTO receipts (room_id, user_id, receipt_type, thread_id, event_id, ts, "
                "stream_position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT (room_id, user_id, receipt_type, thread_id) DO UPDATE SET "
                "event_id = excluded.event_id, ts = excluded.ts, "
                "stream_position = excluded.stream_position")
        .bind_all(r.room_id, r.user_id, r.receipt_type, r.thread_id, r.event_id, r.ts, pos)
        .run();
    mark(marks_, &WriteMarks::receipts, pos);
    // Read receipts move where the user's unread counts start.
    if (r.receipt_type == "m.read" || r.receipt_type == "m.read.private")
        refresh_push_counts(r.user_id, r.room_id);
    tx.commit();
    return pos;
}

std::vector<ReceiptRecord> SqlStore::receipts_between(std::int64_t from, std::int64_t to) {
    if (none_after(&WriteMarks::receipts, from)) return {};
    auto s =
        db_.prepare(std::string(kCols) + "WHERE stream_position > ?1 AND stream_position <= ?2 "
                                         "ORDER BY stream_position");
    s.bind_all(from, to);
    return read_receipts(s);
}

std::vector<ReceiptRecord> SqlStore::receipts_in_room(const std::string& room_id) {
    auto s = db_.prepare(std::string(kCols) + "WHERE room_id = ?1 ORDER BY stream_position");
    s.bind_all(room_id);
    return read_receipts(s);
}

std::optional<ReceiptRecord> SqlStore::receipt(const std::string& room_id,
                                               const std::string& user_id,
                                               const std::string& receipt_type,
                                               const std::string& thread_id) {
    auto s = db_.prepare(std::string(kCols) + "WHERE room_id = ?1 AND user_id = ?2 AND "
                                              "receipt_type = ?3 AND thread_id = ?4");
    s.bind_all(room_id, user_id, receipt_type, thread_id);
    auto v = read_receipts(s);
    if (v.empty()) return std::nullopt;
    return v.front();
}

} // namespace myelin::store::sql
