// Room aliases, the public room directory and account data.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

bool SqlStore::put_alias(const std::string& alias, const std::string& room_id,
                         const std::string& creator) {
    db_.prepare("INSERT INTO room_aliases (alias, room_id, creator) VALUES (?1, ?2, ?3) "
                "ON CONFLICT DO NOTHING")
        .bind_all(alias, room_id, creator)
        .run();
    return db_.changes() == 1;
}

std::optional<std::pair<std::string, std::string>> SqlStore::get_alias(const std::string& alias) {
    auto s = db_.prepare("SELECT room_id, creator FROM room_aliases WHERE alias = ?1");
    s.bind_all(alias);
    if (!s.step()) return std::nullopt;
    return std::make_pair(s.text(0), s.text(1));
}

bool SqlStore::delete_alias(const std::string& alias) {
    db_.prepare("DELETE FROM room_aliases WHERE alias = ?1").bind_all(alias).run();
    return db_.changes() == 1;
}

std::vector<std::string> SqlStore::aliases_for_room(const std::string& room_id) {
    auto s = db_.prepare("SELECT alias FROM room_aliases WHERE room_id = ?1 ORDER BY alias");
    s.bind_all(room_id);
    return s.all_text();
}

void SqlStore::set_room_public(const std::string& room_id, bool is_public) {
    db_.prepare("UPDATE rooms SET is_public = ?2 WHERE room_id = ?1")
        .bind_all(room_id, is_public)
        .run();
}

std::vector<std::string> SqlStore::public_rooms() {
    auto s = db_.prepare("SELECT room_id FROM rooms WHERE is_public = 1 ORDER BY created_ts");
    return s.all_text();
}

std::int64_t SqlStore::count_account_data(const std::string& user_id) {
    auto s = db_.prepare("SELECT COUNT(*) FROM account_data WHERE user_id = ?1");
    s.bind_all(user_id);
    s.step();
    return s.int64(0);
}

std::int64_t SqlStore::put_account_data(const std::string& user_id, const std::string& room_id,
                                        const std::string& type, const std::string& content) {
    Transaction tx(db_);
    auto pos = next_stream_position();
    db_.prepare("INSERT INTO account_data (user_id, room_id, type, content, stream_position) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, room_id, type) DO UPDATE SET "
                "content = excluded.content, stream_position = excluded.stream_position")
        .bind_all(user_id, room_id, type, content, pos)
        .run();
    tx.commit();
    return pos;
}

std::optional<std::string> SqlStore::get_account_data(const std::string& user_id,
                                                      const std::string& room_id,
                                                      const std::string& type) {
    auto s = db_.prepare("SELECT content FROM account_data WHERE user_id = ?1 AND room_id = ?2 "
                         "AND type = ?3");
    s.bind_all(user_id, room_id, type);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::vector<std::string> SqlStore::account_data_owners(const std::string& room_id,
                                                       const std::string& type) {
    return db_.prepare("SELECT user_id FROM account_data WHERE room_id = ?1 AND type = ?2")
        .bind_all(room_id, type)
        .all_text();
}

std::vector<AccountDataRecord> SqlStore::account_data_since(const std::string& user_id,
                                                            std::int64_t after) {
    auto s = db_.prepare("SELECT room_id, type, content, stream_position FROM account_data "
                         "WHERE user_id = ?1 AND stream_position > ?2 ORDER BY stream_position");
    s.bind_all(user_id, after);
    std::vector<AccountDataRecord> out;
    while (s.step())
        out.push_back(AccountDataRecord{s.text(0), s.text(1), s.text(2), s.int64(3)});
    return out;
}

} // namespace myelin::store::sql
