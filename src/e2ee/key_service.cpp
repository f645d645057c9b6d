#include "e2ee/key_service.hpp"

#include "event/signing_key.hpp"
#include "room/room_mates.hpp"
#include "util/base64.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::e2ee {

namespace json = boost::json;
namespace jf = json_fields;

namespace {
MatrixError invalid_signature(const std::string& m) {
    return {400, errcode::invalid_signature, m};
}

json::object parse_object(const std::string& text) {
    return json_fields::parse_stored(text).as_object();
}

// The signed content of a key object: what signatures cover.
json::object signed_part(json::object o) {
    o.erase("signatures");
    o.erase("unsigned");
    return o;
}

// The raw 32 bytes of an unpadded-base64 ed25519 public key; empty if it is not one.
std::string ed25519_raw(std::string_view base64) {
    auto raw = util::base64_decode(base64);
    return raw && raw->size() == 32 ? *raw : std::string();
}

// The public key of a cross-signing key object: the X of its single "ed25519:X" entry.
std::optional<std::string> cross_signing_public(const json::object& key) {
    const auto* keys = key.if_contains("keys");
    if (!keys || !keys->is_object() || keys->get_object().size() != 1) return std::nullopt;
    const auto& [id, value] = *keys->get_object().begin();
    if (!value.is_string() || id != "ed25519:" + std::string(value.get_string()))
        return std::nullopt;
    return std::string(value.get_string());
}

std::optional<std::string> stored_public(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return cross_signing_public(parse_object(*text));
}

// Adds stored signatures over `key_id` into obj.signatures (those `keep` accepts).
template <class Keep>
void merge_signatures(json::object& obj, const std::vector<store::KeySignature>& sigs,
                      const std::string& key_id, Keep keep) {
    for (const auto& s : sigs) {
        if (s.target_key_id != key_id || !keep(s)) continue;
        auto& all = obj["signatures"];
        if (!all.is_object()) all = json::object{};
        auto& by_signer = all.as_object()[s.signer_user];
        if (!by_signer.is_object()) by_signer = json::object{};
        by_signer.as_object()[s.signer_key_id] = s.signature;
    }
}

void check_key_value(const std::string& key_id, const json::value& v) {
    auto colon = key_id.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == key_id.size())
        throw invalid_param("Key id '" + key_id + "' is not <algorithm>:<id>");
    if (v.is_string()) return;
    if (!v.is_object() || !v.get_object().contains("key") || !v.get_object().at("key").is_string())
        throw bad_json("Key '" + key_id + "' must be a string or an object with 'key'");
}
} // namespace

json::object KeyService::upload(const std::string& user_id, const std::string& device_id,
                                const json::object& body) {
    // Whatever was stored before an error too: the counts are re-read either way.
    struct CountsChanged {
        KeyService& k;
        const std::string& user;
        ~CountsChanged() { k.counts_changed(user); }
    } counts_changed{*this, user_id};
    bool keys_changed = false;
    if (const auto* dk = jf::opt_object(body, "device_keys")) {
        if (jf::req_string(*dk, "user_id") != user_id ||
            jf::req_string(*dk, "device_id") != device_id)
            throw invalid_param("device_keys must be for the caller's own device");
        const auto* algorithms = jf::opt_array(*dk, "algorithms");
        if (!algorithms) throw missing_param("device_keys.algorithms is required");
        for (const auto& a : *algorithms)
            if (!a.is_string()) throw bad_json("device_keys.algorithms must hold strings");
        const auto& keys = jf::req_object(*dk, "keys");
        for (const auto& [id, v] : keys)
            if (!v.is_string()) throw bad_json("device_keys.keys must map ids to strings");
        const auto* ed = keys.if_contains("ed25519:" + device_id);
        auto pub = ed && ed->is_string() ? ed25519_raw(ed->get_string()) : std::string();
        if (pub.empty())
            throw invalid_param("device_keys needs a valid ed25519:" + device_id + " key");
        jf::req_object(*dk, "signatures");
        if (!event::verify_json_signature(*dk, user_id, "ed25519:" + device_id, pub))
            throw invalid_signature("device_keys are not signed by the device's own key");
        json::object stored = *dk;
        stored.erase("unsigned"); // the server fills it in on query
        keys_changed = store_.put_device_keys(user_id, device_id, json::serialize(stored));
    }
    if (const auto* otks = jf::opt_object(body, "one_time_keys")) {
        std::vector<store::OneTimeKey> add;
        for (const auto& [id, v] : *otks) {
            std::string key_id(id);
            check_key_value(key_id, v);
            auto text = json::serialize(v);
            auto existing = store_.one_time_key(user_id, device_id, key_id);
            if (existing && *existing != text)
                throw invalid_param("One-time key " + key_id +
                                    " already exists with another value");
            if (!existing) add.push_back(store::OneTimeKey{key_id, std::move(text)});
        }
        // Clients keep about 50 and top up from the counts in /sync: a device's are bounded.
        constexpr std::int64_t kMaxOneTimeKeys = 10000;
        std::int64_t held = 0;
        for (const auto& [alg, n] : store_.count_one_time_keys(user_id, device_id))
            held += n;
        if (held + static_cast<std::int64_t>(add.size()) > kMaxOneTimeKeys)
            throw MatrixError(400, errcode::resource_limit_exceeded,
                              "A device may hold at most 10000 one-time keys");
        store_.add_one_time_keys(user_id, device_id, add);
    }
    for (const char* field : {"fallback_keys", "org.matrix.msc2732.fallback_keys"})
        if (const auto* fks = jf::opt_object(body, field))
            for (const auto& [id, v] : *fks) {
                check_key_value(std::string(id), v);
                store_.put_fallback_key(user_id, device_id,
                                        store::OneTimeKey{std::string(id), json::serialize(v)});
            }
    if (keys_changed) changed(user_id);
    json::object counts;
    for (const auto& [alg, n] : one_time_key_counts(user_id, device_id))
        counts[alg] = n;
    return json::object{{"one_time_key_counts", std::move(counts)}};
}

bool KeyService::local_or_failure(const std::string& user_id, json::object& failures) const {
    if (!ids::valid_user_id(user_id)) throw invalid_param("Malformed user id " + user_id);
    if (ids::server_of(user_id) == server_name_) return true;
    // No federation yet: other servers are reported as unreachable, as the spec's failures map
    // describes.
    failures[ids::server_of(user_id)] =
        json::object{{"errcode", "M_UNAVAILABLE"}, {"error", "Federation is not supported"}};
    return false;
}

json::object KeyService::query(const std::string& requester, const json::object& device_keys) {
    json::object out_devices, masters, self_signing, user_signing, failures;
    for (const auto& [user, wanted] : device_keys) {
        std::string user_id(user);
        if (!wanted.is_array()) throw bad_json("device_keys must map users to device lists");
        if (!local_or_failure(user_id, failures)) continue;
        std::set<std::string> only;
        for (const auto& d : wanted.get_array())
            if (d.is_string()) only.emplace(d.get_string());
        auto sigs = store_.key_signatures(user_id);
        json::object devices;
        for (const auto& [device_id, text] : store_.all_device_keys(user_id)) {
            if (!only.empty() && !only.count(device_id)) continue;
            auto obj = parse_object(text);
            merge_signatures(obj, sigs, device_id, [](const auto&) { return true; });
            if (auto d = devices_.get_device(user_id, device_id); d && d->display_name)
                obj["unsigned"] = json::object{{"device_display_name", *d->display_name}};
            devices[device_id] = std::move(obj);
        }
        out_devices[user_id] = std::move(devices);
        // Another user's signatures on a master key are shown only to the one who made them.
        auto visible = [&](const store::KeySignature& s) {
            return s.signer_user == user_id || s.signer_user == requester;
        };
        auto add_cross = [&](const char* usage, json::object& into) {
            auto text = store_.cross_signing_key(user_id, usage);
            if (!text) return;
            auto obj = parse_object(*text);
            if (auto pub = cross_signing_public(obj)) merge_signatures(obj, sigs, *pub, visible);
            into[user_id] = std::move(obj);
        };
        add_cross("master", masters);
        add_cross("self_signing", self_signing);
        if (user_id == requester) add_cross("user_signing", user_signing);
    }
    json::object out{{"device_keys", std::move(out_devices)}, {"failures", std::move(failures)}};
    if (!masters.empty()) out["master_keys"] = std::move(masters);
    if (!self_signing.empty()) out["self_signing_keys"] = std::move(self_signing);
    if (!user_signing.empty()) out["user_signing_keys"] = std::move(user_signing);
    return out;
}

json::object KeyService::claim(const json::object& one_time_keys) {
    json::object out, failures;
    for (const auto& [user, devices] : one_time_keys) {
        std::string user_id(user);
        if (!devices.is_object()) throw bad_json("one_time_keys must map users to devices");
        if (!local_or_failure(user_id, failures)) continue;
        json::object per_user;
        for (const auto& [device, algorithm] : devices.get_object()) {
            if (!algorithm.is_string()) throw bad_json("Each device must map to an algorithm");
            auto key =
                store_.claim_key(user_id, std::string(device), std::string(algorithm.get_string()));
            if (!key) continue;
            counts_changed(user_id);
            per_user[device] = json::object{{key->key_id, json_fields::parse_stored(key->json)}};
        }
        if (!per_user.empty()) out[user_id] = std::move(per_user);
    }
    return json::object{{"one_time_keys", std::move(out)}, {"failures", std::move(failures)}};
}

namespace {
constexpr std::pair<const char*, const char*> kCrossSigningFields[] = {
    {"master_key", "master"},
    {"self_signing_key", "self_signing"},
    {"user_signing_key", "user_signing"}};
}

bool KeyService::cross_signing_needs_auth(const std::string& user_id, const json::object& body) {
    if (!store_.cross_signing_key(user_id, "master")) return false;
    for (const auto& [field, usage] : kCrossSigningFields) {
        const auto* v = body.if_contains(field);
        if (!v) continue;
        auto stored = store_.cross_signing_key(user_id, usage);
        if (!stored || json_fields::parse_stored(*stored) != *v) return true;
    }
    return false;
}

void KeyService::upload_cross_signing(const std::string& user_id, const json::object& body) {
    std::map<std::string, json::object> keys;
    for (const auto& [field, usage] : kCrossSigningFields) {
        const auto* v = jf::opt_object(body, field);
        if (!v) continue;
        if (jf::req_string(*v, "user_id") != user_id)
            throw invalid_param(std::string(field) + " must belong to the caller");
        const auto* usages = jf::opt_array(*v, "usage");
        if (!usages ||
            std::find(usages->begin(), usages->end(), json::value(usage)) == usages->end())
            throw invalid_param(std::string(field) + ".usage must contain " + usage);
        auto pub = cross_signing_public(*v);
        if (!pub || ed25519_raw(*pub).empty())
            throw invalid_param(std::string(field) + ".keys must hold one ed25519 key");
        if (devices_.get_device(user_id, *pub)) throw forbidden("Key ID in use by a device");
        keys[usage] = *v;
    }
    if (keys.empty()) return;
    auto master_pub = keys.count("master")
                          ? cross_signing_public(keys["master"])
                          : stored_public(store_.cross_signing_key(user_id, "master"));
    for (const char* usage : {"self_signing", "user_signing"}) {
        auto it = keys.find(usage);
        if (it == keys.end()) continue;
        if (!master_pub) throw missing_param("No master key is available");
        if (!event::verify_json_signature(it->second, user_id, "ed25519:" + *master_pub,
                                          ed25519_raw(*master_pub)))
            throw invalid_signature(std::string(usage) + " key is not signed by the master key");
    }
    std::map<std::string, std::string> texts;
    for (const auto& [usage, obj] : keys)
        texts[usage] = json::serialize(obj);
    store_.put_cross_signing_keys(user_id, texts);
    changed(user_id);
}

std::optional<std::string> KeyService::signing_key_of(const std::string& user_id,
                                                      const std::string& signer_key_id) {
    if (signer_key_id.rfind("ed25519:", 0) != 0) return std::nullopt;
    auto id = signer_key_id.substr(8);
    if (auto dk = store_.device_keys(user_id, id)) {
        auto obj = parse_object(*dk);
        if (const auto* k = obj.at("keys").as_object().if_contains(signer_key_id);
            k && k->is_string())
            if (auto raw = ed25519_raw(k->get_string()); !raw.empty()) return raw;
    }
    for (const char* usage : {"master", "self_signing", "user_signing"})
        if (stored_public(store_.cross_signing_key(user_id, usage)) == id)
            if (auto raw = ed25519_raw(id); !raw.empty()) return raw;
    return std::nullopt;
}

json::object KeyService::upload_signatures(const std::string& user_id, const json::object& body) {
    json::object failures;
    std::vector<store::KeySignature> out;
    std::set<std::string> targets;
    auto user_signing_pub = stored_public(store_.cross_signing_key(user_id, "user_signing"));
    for (const auto& [target, keys] : body) {
        std::string target_user(target);
        if (!keys.is_object()) throw bad_json("Each user must map key ids to signed objects");
        for (const auto& [kid, signed_value] : keys.get_object()) {
            std::string key_id(kid);
            auto fail = [&](const char* code, const std::string& msg) {
                auto& per_user = failures[target_user];
                if (!per_user.is_object()) per_user = json::object{};
                per_user.as_object()[key_id] = json::object{{"errcode", code}, {"error", msg}};
            };
            if (!signed_value.is_object()) {
                fail(errcode::invalid_param, "Not a JSON object");
                continue;
            }
            const auto& signed_obj = signed_value.get_object();
            std::optional<std::string> stored;
            bool is_device = false;
            if (target_user == user_id) {
                stored = store_.device_keys(user_id, key_id);
                is_device = stored.has_value();
            }
            if (!stored) {
                auto master = store_.cross_signing_key(target_user, "master");
                if (stored_public(master) == key_id) stored = master;
            }
            if (!stored) {
                fail(errcode::not_found, "No such key");
                continue;
            }
            if (signed_part(parse_object(*stored)) != signed_part(signed_obj)) {
                fail(errcode::invalid_param, "The signed object does not match the stored key");
                continue;
            }
            const auto* all = signed_obj.if_contains("signatures");
            const auto* mine =
                all && all->is_object() ? all->get_object().if_contains(user_id) : nullptr;
            if (!mine || !mine->is_object()) {
                fail(errcode::invalid_param, "No signature by the uploader");
                continue;
            }
            for (const auto& [signer, sig] : mine->get_object()) {
                std::string signer_key_id(signer);
                if (is_device && signer_key_id == "ed25519:" + key_id) continue; // self-signature
                if (!sig.is_string()) {
                    fail(errcode::invalid_param, "A signature must be a string");
                    break;
                }
                // Other users' keys can only be signed with the uploader's user-signing key.
                if (target_user != user_id &&
                    (!user_signing_pub || signer_key_id != "ed25519:" + *user_signing_pub)) {
                    fail(errcode::invalid_signature, "Not signed by your user-signing key");
                    break;
                }
                auto pub = signing_key_of(user_id, signer_key_id);
                json::object check = signed_part(signed_obj);
                check["signatures"] = json::object{{user_id, json::object{{signer_key_id, sig}}}};
                if (!pub || !event::verify_json_signature(check, user_id, signer_key_id, *pub)) {
                    fail(errcode::invalid_signature, "Invalid signature by " + signer_key_id);
                    break;
                }
                out.push_back(store::KeySignature{target_user, key_id, user_id, signer_key_id,
                                                  std::string(sig.get_string())});
                targets.insert(target_user);
            }
        }
    }
    if (!out.empty()) store_.put_key_signatures(out);
    for (const auto& t : targets)
        changed(t);
    return json::object{{"failures", std::move(failures)}};
}

std::map<std::string, std::int64_t> KeyService::one_time_key_counts(store::KeyStore& store,
                                                                    const std::string& user_id,
                                                                    const std::string& device_id) {
    auto counts = store.count_one_time_keys(user_id, device_id);
    // Clients decide whether to upload from this count; an absent algorithm means zero.
    counts.emplace("signed_curve25519", 0);
    return counts;
}

std::map<std::string, std::int64_t> KeyService::one_time_key_counts(const std::string& user_id,
                                                                    const std::string& device_id) {
    return one_time_key_counts(store_, user_id, device_id);
}

std::vector<std::string> KeyService::unused_fallback_key_types(const std::string& user_id,
                                                               const std::string& device_id) {
    return store_.unused_fallback_key_types(user_id, device_id);
}

void KeyService::device_deleted(const std::string& user_id, const std::string& device_id) {
    store_.delete_device_keys(user_id, device_id);
    counts_changed(user_id);
    changed(user_id);
}

DeviceListDelta KeyService::device_list_delta(const std::string& user_id, std::int64_t from,
                                              std::int64_t to) {
    if (from >= to) return {};
    return device_list_delta(user_id, store_.device_list_changes(from, to),
                             store_.member_changes(from, to));
}

DeviceListDelta
KeyService::device_list_delta(const std::string& user_id,
                              const std::vector<std::string>& key_changes,
                              const std::vector<store::MemberChange>& member_changes) {
    DeviceListDelta d;
    // Nothing changed anywhere: answered without reading the caller's rooms.
    if (key_changes.empty() && member_changes.empty()) return d;
    room::RoomMates mates(rooms_, user_id);
    const auto& my_rooms = mates.rooms();
    auto shares = [&](const std::string& other) { return mates.shares(other); };
    for (const auto& u : key_changes)
        if (shares(u)) d.changed.insert(u);
    for (const auto& m : member_changes) {
        bool joined = m.membership == "join";
        bool gone = m.membership == "leave" || m.membership == "ban";
        if (m.user_id == user_id) {
            // The caller joined or left a room: everyone in it may have come into or out of view.
            if (!(joined && my_rooms.count(m.room_id)) && !gone) continue;
            for (const auto& member : rooms_.members(m.room_id)) {
                if (member.membership != "join" || member.user_id == user_id) continue;
                if (joined)
                    d.changed.insert(member.user_id);
                else if (!shares(member.user_id))
                    d.left.insert(member.user_id);
            }
        } else if (my_rooms.count(m.room_id)) {
            if (joined)
                d.changed.insert(m.user_id);
            else if (gone && !shares(m.user_id))
                d.left.insert(m.user_id);
        }
    }
    for (const auto& u : d.left)
        d.changed.erase(u);
    d.left.erase(user_id);
    return d;
}

} // namespace myelin::e2ee
