#include "e2ee/key_backup.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include <charconv>

namespace myelin::e2ee {

namespace json = boost::json;
namespace jf = json_fields;

namespace {
std::optional<std::int64_t> parse_version(const std::string& v) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n <= 0) return std::nullopt;
    return n;
}

void check_key_data(const json::value& v) {
    if (!v.is_object()) throw bad_json("Key backup data must be an object");
    const auto& o = v.get_object();
    if (!jf::opt_int(o, "first_message_index") || !jf::opt_int(o, "forwarded_count") ||
        !jf::opt_bool(o, "is_verified") || !jf::opt_object(o, "session_data"))
        throw bad_json("Key backup data needs first_message_index, forwarded_count, "
                       "is_verified and session_data");
}

// The spec's rule for two copies of one session: a verified key beats an unverified one, then
// the lower first_message_index, then the lower forwarded_count.
bool better(const json::object& a, const json::object& b) {
    bool va = a.at("is_verified").as_bool(), vb = b.at("is_verified").as_bool();
    if (va != vb) return va;
    auto ia = a.at("first_message_index").to_number<std::int64_t>();
    auto ib = b.at("first_message_index").to_number<std::int64_t>();
    if (ia != ib) return ia < ib;
    return a.at("forwarded_count").to_number<std::int64_t>() <
           b.at("forwarded_count").to_number<std::int64_t>();
}
} // namespace

std::string KeyBackupService::create_version(const std::string& user_id, const json::object& body) {
    auto algorithm = jf::req_string(body, "algorithm");
    const auto& auth_data = jf::req_object(body, "auth_data");
    return std::to_string(
        store_.create_backup_version(user_id, algorithm, json::serialize(auth_data)));
}

store::BackupVersion KeyBackupService::require_version(const std::string& user_id,
                                                       const std::string& version) {
    std::optional<std::int64_t> n;
    if (!version.empty()) {
        n = parse_version(version);
        if (!n) throw not_found("Unknown backup version");
    }
    auto v = store_.backup_version(user_id, n);
    if (!v)
        throw not_found(version.empty() ? "No current backup version" : "Unknown backup version");
    return *v;
}

json::object KeyBackupService::etag_and_count(const std::string& user_id, std::int64_t version) {
    auto v = store_.backup_version(user_id, version);
    return json::object{{"etag", std::to_string(v ? v->etag : 0)},
                        {"count", store_.count_backup_keys(user_id, version)}};
}

json::object KeyBackupService::version_info(const std::string& user_id,
                                            const std::string& version) {
    auto v = require_version(user_id, version);
    auto out = etag_and_count(user_id, v.version);
    out["algorithm"] = v.algorithm;
    out["auth_data"] = json_fields::parse_stored(v.auth_data);
    out["version"] = std::to_string(v.version);
    return out;
}

void KeyBackupService::update_version(const std::string& user_id, const std::string& version,
                                      const json::object& body) {
    auto v = require_version(user_id, version);
    if (jf::req_string(body, "algorithm") != v.algorithm)
        throw invalid_param("The algorithm of a backup version cannot change");
    if (auto given = jf::opt_string(body, "version"); given && *given != version)
        throw invalid_param("The version in the body does not match the path");
    store_.update_backup_version(user_id, v.version,
                                 json::serialize(jf::req_object(body, "auth_data")));
}

void KeyBackupService::delete_version(const std::string& user_id, const std::string& version) {
    auto v = require_version(user_id, version);
    store_.delete_backup_version(user_id, v.version);
}

json::object KeyBackupService::put_keys(const std::string& user_id, const std::string& version,
                                        const json::object& rooms) {
    auto n = parse_version(version);
    auto current = store_.backup_version(user_id, std::nullopt);
    if (!n || !store_.backup_version(user_id, *n)) throw not_found("Unknown backup version");
    if (!current || current->version != *n) {
        MatrixError e(403, "M_WRONG_ROOM_KEYS_VERSION", "Not the current backup version");
        if (current) e.extra["current_version"] = std::to_string(current->version);
        throw e;
    }
    std::vector<store::BackupKey> keep;
    for (const auto& [room_id, room] : rooms) {
        if (!room.is_object()) throw bad_json("Each room must be an object");
        const auto& sessions = jf::req_object(room.get_object(), "sessions");
        for (const auto& [session_id, data] : sessions) {
            check_key_data(data);
            auto existing =
                store_.backup_keys(user_id, *n, std::string(room_id), std::string(session_id));
            if (!existing.empty() &&
                !better(data.get_object(),
                        json_fields::parse_stored(existing.front().json).as_object()))
                continue;
            keep.push_back(store::BackupKey{std::string(room_id), std::string(session_id),
                                            json::serialize(data)});
        }
    }
    store_.put_backup_keys(user_id, *n, keep);
    return etag_and_count(user_id, *n);
}

json::object KeyBackupService::get_keys(const std::string& user_id, const std::string& version,
                                        const std::optional<std::string>& room_id,
                                        const std::optional<std::string>& session_id) {
    auto v = require_version(user_id, version);
    auto keys = store_.backup_keys(user_id, v.version, room_id, session_id);
    if (session_id) {
        if (keys.empty()) throw not_found("No backed-up key for this session");
        return json_fields::parse_stored(keys.front().json).as_object();
    }
    json::object rooms;
    for (const auto& k : keys) {
        auto& room = rooms[k.room_id];
        if (!room.is_object()) room = json::object{{"sessions", json::object{}}};
        room.as_object()["sessions"].as_object()[k.session_id] = json_fields::parse_stored(k.json);
    }
    if (room_id) {
        auto it = rooms.find(*room_id);
        return it == rooms.end() ? json::object{{"sessions", json::object{}}}
                                 : it->value().as_object();
    }
    return json::object{{"rooms", std::move(rooms)}};
}

json::object KeyBackupService::delete_keys(const std::string& user_id, const std::string& version,
                                           const std::optional<std::string>& room_id,
                                           const std::optional<std::string>& session_id) {
    auto v = require_version(user_id, version);
    store_.delete_backup_keys(user_id, v.version, room_id, session_id);
    return etag_and_count(user_id, v.version);
}

} // namespace myelin::e2ee
