// End-to-end encryption keys and the device-list change log.
#include "store/sql/sql_store.hpp"

namespace myelin::store::sql {

namespace {
std::string algorithm_of(const std::string& key_id) {
    return key_id.substr(0, key_id.find(':'));
}
} // namespace

void SqlStore::record_device_list_change(const std::string& user_id) {
    auto pos = next_stream_position();
    db_.prepare("INSERT INTO device_list_changes (stream_position, user_id) VALUES (?1, ?2)")
        .bind_all(pos, user_id)
        .run();
    mark(marks_, &WriteMarks::device_lists, pos);
}

std::optional<std::string> SqlStore::device_keys(const std::string& user_id,
                                                 const std::string& device_id) {
    auto s = db_.prepare("SELECT json FROM device_keys WHERE user_id = ?1 AND device_id = ?2");
    s.bind_all(user_id, device_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::vector<std::pair<std::string, std::string>>
SqlStore::all_device_keys(const std::string& user_id) {
    auto s = db_.prepare("SELECT device_id, json FROM device_keys WHERE user_id = ?1 "
                         "ORDER BY device_id");
    s.bind_all(user_id);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step())
        out.emplace_back(s.text(0), s.text(1));
    return out;
}

bool SqlStore::put_device_keys(const std::string& user_id, const std::string& device_id,
                               const std::string& json) {
    Transaction tx(db_);
    if (device_keys(user_id, device_id) == json) return false; // a repeated upload
    db_.prepare("INSERT INTO device_keys (user_id, device_id, json) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (user_id, device_id) DO UPDATE SET json = excluded.json")
        .bind_all(user_id, device_id, json)
        .run();
    record_device_list_change(user_id);
    tx.commit();
    return true;
}

void SqlStore::delete_device_keys(const std::string& user_id, const std::string& device_id) {
    Transaction tx(db_);
    bool had_keys = false;
    for (const char* table : {"device_keys", "one_time_keys", "fallback_keys"}) {
        db_.prepare(std::string("DELETE FROM ") + table + " WHERE user_id = ?1 AND device_id = ?2")
            .bind_all(user_id, device_id)
            .run();
        if (std::string_view(table) == "device_keys") had_keys = db_.changes() > 0;
    }
    db_.prepare("DELETE FROM key_signatures WHERE target_user = ?1 AND target_key_id = ?2")
        .bind_all(user_id, device_id)
        .run();
    if (had_keys) record_device_list_change(user_id);
    tx.commit();
}

std::optional<std::string> SqlStore::one_time_key(const std::string& user_id,
                                                  const std::string& device_id,
                                                  const std::string& key_id) {
    auto s = db_.prepare("SELECT json FROM one_time_keys WHERE user_id = ?1 AND device_id = ?2 "
                         "AND algorithm = ?3 AND key_id = ?4");
    s.bind_all(user_id, device_id, algorithm_of(key_id), key_id);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void SqlStore::add_one_time_keys(const std::string& user_id, const std::string& device_id,
                                 const std::vector<OneTimeKey>& keys) {
    Transaction tx(db_);
    for (const auto& k : keys)
        db_.prepare("INSERT INTO one_time_keys (user_id, device_id, algorithm, key_id, json) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING")
            .bind_all(user_id, device_id, algorithm_of(k.key_id), k.key_id, k.json)
            .run();
    tx.commit();
}

std::map<std::string, std::int64_t> SqlStore::count_one_time_keys(const std::string& user_id,
                                                                  const std::string& device_id) {
    auto s = db_.prepare("SELECT algorithm, COUNT(*) FROM one_time_keys WHERE user_id = ?1 AND "
                         "device_id = ?2 GROUP BY algorithm");
    s.bind_all(user_id, device_id);
    std::map<std::string, std::int64_t> out;
    while (s.step())
        out[s.text(0)] = s.int64(1);
    return out;
}

std::optional<OneTimeKey> SqlStore::claim_key(const std::string& user_id,
                                              const std::string& device_id,
                                              const std::string& algorithm) {
    Transaction tx(db_);
    std::optional<OneTimeKey> key;
    {
        auto s = db_.prepare("SELECT key_id, json FROM one_time_keys WHERE user_id = ?1 AND "
                             "device_id = ?2 AND algorithm = ?3 ORDER BY key_id LIMIT 1");
        s.bind_all(user_id, device_id, algorithm);
        if (s.step()) key = OneTimeKey{s.text(0), s.text(1)};
    }
    if (key) {
        db_.prepare("DELETE FROM one_time_keys WHERE user_id = ?1 AND device_id = ?2 AND "
                    "algorithm = ?3 AND key_id = ?4")
            .bind_all(user_id, device_id, algorithm, key->key_id)
            .run();
    } else {
        auto s = db_.prepare("SELECT key_id, json FROM fallback_keys WHERE user_id = ?1 AND "
                             "device_id = ?2 AND algorithm = ?3");
        s.bind_all(user_id, device_id, algorithm);
        if (s.step()) key = OneTimeKey{s.text(0), s.text(1)};
        if (key)
            db_.prepare("UPDATE fallback_keys SET used = 1 WHERE user_id = ?1 AND device_id = ?2 "
                        "AND algorithm = ?3")
                .bind_all(user_id, device_id, algorithm)
                .run();
    }
    tx.commit();
    return key;
}

void SqlStore::put_fallback_key(const std::string& user_id, const std::string& device_id,
                                const OneTimeKey& key) {
    // The same key uploaded again keeps its used flag; a new key starts unused.
    db_.prepare("INSERT INTO fallback_keys (user_id, device_id, algorithm, key_id, json, used) "
                "VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (user_id, device_id, algorithm) DO "
                "UPDATE SET used = CASE WHEN fallback_keys.key_id = excluded.key_id AND "
                "fallback_keys.json = excluded.json THEN fallback_keys.used ELSE 0 END, "
                "key_id = excluded.key_id, json = excluded.json")
        .bind_all(user_id, device_id, algorithm_of(key.key_id), key.key_id, key.json)
        .run();
}

std::vector<std::string> SqlStore::unused_fallback_key_types(const std::string& user_id,
                                                             const std::string& device_id) {
    auto s = db_.prepare("SELECT algorithm FROM fallback_keys WHERE user_id = ?1 AND "
                         "device_id = ?2 AND used = 0 ORDER BY algorithm");
    s.bind_all(user_id, device_id);
    return s.all_text();
}

std::optional<std::string> SqlStore::cross_signing_key(const std::string& user_id,
                                                       const std::string& usage) {
    auto s = db_.prepare("SELECT json FROM cross_signing_keys WHERE user_id = ?1 AND usage = ?2");
    s.bind_all(user_id, usage);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

void SqlStore::put_cross_signing_keys(const std::string& user_id,
                                      const std::map<std::string, std::string>& by_usage) {
    Transaction tx(db_);
    for (const auto& [usage, json] : by_usage)
        db_.prepare("INSERT INTO cross_signing_keys (user_id, usage, json) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (user_id, usage) DO UPDATE SET json = excluded.json")
            .bind_all(user_id, usage, json)
            .run();
    record_device_list_change(user_id);
    tx.commit();
}

void SqlStore::put_key_signatures(const std::vector<KeySignature>& sigs) {
    Transaction tx(db_);
    std::vector<std::string> targets;
    for (const auto& g : sigs) {
        db_.prepare("INSERT INTO key_signatures (target_user, target_key_id, signer_user, "
                    "signer_key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT "
                    "(target_user, target_key_id, signer_user, signer_key_id) DO UPDATE SET "
                    "signature = excluded.signature")
            .bind_all(g.target_user, g.target_key_id, g.signer_user, g.signer_key_id, g.signature)
            .run();
        if (std::find(targets.begin(), targets.end(), g.target_user) == targets.end())
            targets.push_back(g.target_user);
    }
    for (const auto& t : targets)
        record_device_list_change(t);
    tx.commit();
}

std::vector<KeySignature> SqlStore::key_signatures(const std::string& target_user) {
    auto s = db_.prepare("SELECT target_user, target_key_id, signer_user, signer_key_id, "
                         "signature FROM key_signatures WHERE target_user = ?1");
    s.bind_all(target_user);
    std::vector<KeySignature> out;
    while (s.step())
        out.push_back(KeySignature{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
    return out;
}

std::vector<std::string> SqlStore::device_list_changes(std::int64_t from, std::int64_t to) {
    if (none_after(&WriteMarks::device_lists, from)) return {};
    auto s = db_.prepare("SELECT DISTINCT user_id FROM device_list_changes WHERE "
                         "stream_position > ?1 AND stream_position <= ?2");
    s.bind_all(from, to);
    return s.all_text();
}

std::vector<MemberChange> SqlStore::member_changes(std::int64_t from, std::int64_t to) {
    if (none_after(&WriteMarks::members, from)) return {};
    auto s = db_.prepare("SELECT room_id, state_key, COALESCE(membership, ''), stream_ordering "
                         "FROM state_history WHERE type = 'm.room.member' AND "
                         "stream_ordering > ?1 AND stream_ordering <= ?2 "
                         "ORDER BY stream_ordering");
    s.bind_all(from, to);
    std::vector<MemberChange> out;
    while (s.step())
        out.push_back(MemberChange{s.text(0), s.text(1), s.text(2), s.int64(3)});
    return out;
}

} // namespace myelin::store::sql
