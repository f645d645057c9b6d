// User-interactive-auth sessions.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

void SqlStore::put_uia_session(const std::string& id, const UiaSession& s) {
    db_.prepare("INSERT INTO uia_sessions (session_id, operation, completed, created_ts) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (session_id) DO UPDATE SET "
                "completed = excluded.completed")
        .bind_all(id, s.operation, s.completed, s.created_ts)
        .run();
}

std::optional<UiaSession> SqlStore::get_uia_session(const std::string& id) {
    auto s = db_.prepare("SELECT operation, completed, created_ts FROM uia_sessions "
                         "WHERE session_id = ?1");
    s.bind_all(id);
    if (!s.step()) return std::nullopt;
    return UiaSession{s.text(0), s.text(1), s.int64(2)};
}

bool SqlStore::take_uia_session(const std::string& id) {
    db_.prepare("DELETE FROM uia_sessions WHERE session_id = ?1").bind_all(id).run();
    return db_.changes() > 0;
}

void SqlStore::expire_uia_sessions(std::int64_t created_before_ts) {
    db_.prepare("DELETE FROM uia_sessions WHERE created_ts < ?1").bind_all(created_before_ts).run();
}

} // namespace myelin::store::sql
