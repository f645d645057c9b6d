// Event parsing and the event functions of src/event for each room version: the auth rules
// (check_auth, auth_event_keys), redaction, content hash, reference hash and event id, and
// signing. Must hold for any shape of JSON (wrong types everywhere).
// Input: a JSON object (the event, checked against a small base room), or
// {"event": {...}, "state": [event, ...], "no_base": bool}, or an array [event, state...]; the
// state events given replace the base room's at the same (type, state_key).
// Invariants, per room version:
//  - check_auth is deterministic, refuses with a reason and allows without one; an invalid
//    sender or a room without a create event is always refused;
//  - auth_event_keys names nothing for a create event, never the create event in v12, and
//    otherwise the power levels and the sender's membership;
//  - redaction is idempotent and keeps only keys the event had (plus content);
//  - content_hash / reference_hash throw exactly when canonical JSON cannot hold what they
//    hash; a content hash ignores `hashes`; the reference hash is stable under redaction; event
//    ids and v12 room ids are valid ids; a signed event verifies, also once redacted.
#include "event/auth_rules.hpp"
#include "event/canonical_json.hpp"
#include "event/event_hash.hpp"
#include "event/power_levels.hpp"
#include "event/redaction.hpp"
#include "event/room_version.hpp"
#include "event/signing_key.hpp"
#include "fuzz_common.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"

#include <deque>
#include <string>

namespace json = boost::json;
namespace ev = myelin::event;
namespace ids = myelin::ids;

namespace {

const std::string kAlice = "@alice:example.org";

std::deque<json::object> base_room(const ev::RoomVersion& v) {
    std::deque<json::object> out;
    auto make = [&](std::string type, json::object content) {
        json::object e{{"type", type},
                       {"sender", kAlice},
                       {"state_key", ""},
                       {"content", std::move(content)},
                       {"prev_events", json::array{"$prev"}},
                       {"origin_server_ts", 1}};
        if (!(type == "m.room.create" && v.room_id_from_create_event))
            e["room_id"] = "!r:example.org";
        return e;
    };
    json::object create{{"room_version", v.id}};
    if (v.create_has_creator) create["creator"] = kAlice;
    out.push_back(make("m.room.create", create));
    out.back()["prev_events"] = json::array{};
    auto member = make("m.room.member", {{"membership", "join"}});
    member["state_key"] = kAlice;
    out.push_back(member);
    json::object users;
    if (!v.creators_have_infinite_power) users[kAlice] = 100;
    users["@mod:example.org"] = 50;
    out.push_back(make("m.room.power_levels",
                       {{"users", users}, {"state_default", 50}, {"events_default", 0}}));
    out.push_back(make("m.room.join_rules", {{"join_rule", "public"}}));
    return out;
}

std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::object without(json::object o, std::initializer_list<std::string_view> keys) {
    for (auto k : keys)
        o.erase(k);
    return o;
}

bool b64url(std::string_view s) {
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    return true;
}

const ev::SigningKey& key() {
    static const ev::SigningKey k = ev::SigningKey::from_seed(std::string(32, 'k'), "fuzz");
    return k;
}

void check_version(const json::object& event, const json::array* given_state, bool no_base,
                   const ev::RoomVersion& v) {
    std::deque<json::object> store;
    if (!no_base) store = base_room(v);
    if (given_state)
        for (const auto& s : *given_state)
            if (s.is_object()) store.push_back(s.get_object());
    ev::StateMap state;
    for (const auto& s : store) {
        const auto* t = s.if_contains("type");
        const auto* k = s.if_contains("state_key");
        if (t && t->is_string() && k && k->is_string())
            state[{std::string(t->get_string()), std::string(k->get_string())}] = &s;
    }

    // Authorization.
    auto d = ev::check_auth(event, state, v);
    FUZZ_CHECK(d.allowed == d.reason.empty());
    auto again = ev::check_auth(event, state, v);
    FUZZ_CHECK(again.allowed == d.allowed && again.reason == d.reason);
    const auto type = str(event, "type");
    if (!ids::valid_user_id(str(event, "sender"))) FUZZ_CHECK(!d.allowed);
    if (type != "m.room.create" && !state.count({"m.room.create", ""})) FUZZ_CHECK(!d.allowed);

    auto keys = ev::auth_event_keys(event, v);
    if (type == "m.room.create") {
        FUZZ_CHECK(keys.empty());
    } else {
        FUZZ_CHECK(std::count(keys.begin(), keys.end(), ev::StateKey{"m.room.create", ""}) ==
                   (v.room_id_from_create_event ? 0 : 1));
        FUZZ_CHECK(std::count(keys.begin(), keys.end(), ev::StateKey{"m.room.power_levels", ""}) ==
                   1);
        FUZZ_CHECK(std::find(keys.begin(), keys.end(),
                             ev::StateKey{"m.room.member", str(event, "sender")}) != keys.end());
    }
    auto pl = ev::PowerLevels::from_state(state, v);
    (void)pl.user_level(str(event, "sender"));
    (void)pl.event_level(type, event.contains("state_key"));
    (void)pl.notification_level("room");

    // Redaction.
    auto redacted = ev::redact_event(event, v);
    FUZZ_CHECK(redacted.contains("content") && redacted.at("content").is_object());
    for (const auto& kv : redacted)
        FUZZ_CHECK(kv.key() == "content" || event.contains(kv.key()));
    FUZZ_CHECK(ev::redact_event(redacted, v) == redacted);
    (void)ev::redaction_target(event, v);

    // Hashes and ids.
    const bool hashable =
        ev::fits_canonical_json(without(event, {"unsigned", "signatures", "hashes"}));
    const bool referable = ev::fits_canonical_json(without(redacted, {"unsigned", "signatures"}));
    try {
        auto h = ev::content_hash_base64(event);
        FUZZ_CHECK(hashable);
        FUZZ_CHECK(h.size() == 43);
        json::object copy = event;
        ev::add_content_hash(copy);
        FUZZ_CHECK(ev::content_hash_base64(copy) == h);
        FUZZ_CHECK(copy.at("hashes").at("sha256").as_string() == h);
    } catch (const ev::CanonicalJsonError&) {
        FUZZ_CHECK(!hashable);
    }
    try {
        auto ref = ev::reference_hash(event, v);
        FUZZ_CHECK(referable);
        FUZZ_CHECK(ref.size() == 32);
        FUZZ_CHECK(ev::reference_hash(redacted, v) == ref);
        auto id = ev::event_id_for(event, v);
        FUZZ_CHECK(id.size() == 44 && id[0] == '$' && b64url(id.substr(1)));
        FUZZ_CHECK(ids::valid_event_id(id));
        if (v.room_id_from_create_event) {
            auto room = ev::room_id_for_create_event(event, v);
            FUZZ_CHECK(room.size() == 44 && room[0] == '!');
            FUZZ_CHECK(ids::valid_room_id(room));
        }

        json::object signed_event = event;
        ev::sign_event(signed_event, key(), "example.org", v);
        // The signature covers the redacted form, so it holds for the redacted event.
        FUZZ_CHECK(ev::verify_json_signature(ev::redact_event(signed_event, v), "example.org",
                                             key().key_id(), key().public_key()));
        FUZZ_CHECK(ev::reference_hash(signed_event, v) == ref);
    } catch (const ev::CanonicalJsonError&) {
        FUZZ_CHECK(!referable);
    }
    (void)ids::valid_room_id(str(event, "room_id"));
    (void)ids::valid_event_id(str(event, "event_id"));
    (void)ids::valid_room_alias(str(event, "state_key"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = myelin::json_fields::kMaxStoredDepth;
    auto v = json::parse(fuzz::as_view(data, size), ec, {}, opts);
    if (ec) return 0;

    const json::object* event = nullptr;
    const json::array* state = nullptr;
    json::array rest;
    bool no_base = false;
    if (auto* a = v.if_array()) {
        if (a->empty() || !a->front().is_object()) return 0;
        event = &a->front().get_object();
        rest = json::array(a->begin() + 1, a->end());
        state = &rest;
    } else if (auto* o = v.if_object()) {
        const auto* e = o->if_contains("event");
        const auto* s = o->if_contains("state");
        if (e && e->is_object()) {
            event = &e->get_object();
            state = s ? s->if_array() : nullptr;
            const auto* nb = o->if_contains("no_base");
            no_base = nb && nb->is_bool() && nb->get_bool();
        } else {
            event = o;
        }
    } else {
        return 0;
    }
    for (const char* id : {"10", "11", "12"})
        check_version(*event, state, no_base, *ev::room_version(id));
    // The version a create event names, if Myelin knows it.
    if (const auto* c = event->if_contains("content"); c && c->is_object())
        if (const auto* rv = c->get_object().if_contains("room_version"); rv && rv->is_string())
            if (auto version = ev::room_version(rv->get_string()))
                check_version(*event, state, no_base, *version);
    return 0;
}
