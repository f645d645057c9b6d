// Other servers' signing keys.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

void SqlStore::put_server_key(const RemoteServerKey& k) {
    db_.prepare("INSERT INTO remote_server_keys (server_name, key_id, verify_key, valid_until_ts, "
                "expired_ts, key_json, fetched_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT (server_name, key_id) DO UPDATE SET verify_key = excluded.verify_key, "
                "valid_until_ts = excluded.valid_until_ts, expired_ts = excluded.expired_ts, "
                "key_json = excluded.key_json, fetched_ts = excluded.fetched_ts")
        .bind_all(k.server_name, k.key_id, k.verify_key, k.valid_until_ts, k.expired_ts, k.key_json,
                  k.fetched_ts)
        .run();
}

std::vector<RemoteServerKey> SqlStore::server_keys(const std::string& server_name) {
    auto s = db_.prepare("SELECT key_id, verify_key, valid_until_ts, expired_ts, key_json, "
                         "fetched_ts FROM remote_server_keys WHERE server_name = ?1");
    s.bind_all(server_name);
    std::vector<RemoteServerKey> out;
    while (s.step()) {
        RemoteServerKey k;
        k.server_name = server_name;
        k.key_id = s.text(0);
        k.verify_key = s.text(1);
        k.valid_until_ts = s.int64(2);
        k.expired_ts = s.opt_int64(3);
        k.key_json = s.text(4);
        k.fetched_ts = s.int64(5);
        out.push_back(std::move(k));
    }
    return out;
}

} // namespace myelin::store::sql
