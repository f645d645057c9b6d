// POST /createRoom: the spec's sequence of initial events, each authorized like any other.
#include "event/canonical_json.hpp"
#include "event/event_hash.hpp"
#include "event/event_types.hpp"
#include "room/room_service.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"

namespace myelin::room {

namespace json = boost::json;
namespace jf = json_fields;

namespace {

json::object default_power_levels(const event::RoomVersion& v, const std::string& creator,
                                  const std::string& preset,
                                  const std::vector<std::string>& invitees) {
    json::object users;
    if (!v.creators_have_infinite_power) users[creator] = 100;
    if (preset == "trusted_private_chat" && !v.creators_have_infinite_power)
        for (const auto& u : invitees)
            users[u] = 100;
    json::object events{{event_type::name, 50},
                        {event_type::power_levels, 100},
                        {event_type::history_visibility, 100},
                        {event_type::canonical_alias, 50},
                        {event_type::avatar, 50},
                        {event_type::tombstone, 100},
                        {event_type::server_acl, 100},
                        {event_type::encryption, 100}};
    bool private_room = preset != "public_chat";
    return json::object{{"users", std::move(users)},
                        {"users_default", 0},
                        {"events", std::move(events)},
                        {"events_default", 0},
                        {"state_default", 50},
                        {"ban", 50},
                        {"kick", 50},
                        {"redact", 50},
                        {"invite", private_room ? 0 : 50},
                        {"historical", 100},
                        {"notifications", json::object{{"room", 50}}}};
}

// One createRoom makes one event per entry, on the event loop, while every other client
// waits: the lists are bounded (Element sends a handful).
constexpr std::size_t kMaxInitialState = 100;
constexpr std::size_t kMaxInvites = 100;

} // namespace

struct StateEntry {
    std::string type;
    std::string state_key;
    json::object content;
};

namespace {
// A createRoom body, validated whole before the first event is written: a refusal leaves no
// half-made room.
struct CreatePlan {
    std::optional<event::RoomVersion> version;
    std::string visibility, preset;
    bool is_direct = false;
    std::vector<std::string> invitees;
    std::optional<std::string> alias;
    std::vector<StateEntry> initial_state;
    json::object creation;
    const json::object* pl_override = nullptr; // points into the body
    std::optional<std::string> name, topic;
};

std::vector<std::string> parse_invitees(const json::object& body) {
    std::vector<std::string> invitees;
    if (const auto* inv = jf::opt_array(body, "invite")) {
        if (inv->size() > kMaxInvites) throw invalid_param("'invite' lists more than 100 users");
        for (const auto& u : *inv) {
            if (!u.is_string()) throw bad_json("'invite' must be a list of user ids");
            if (!ids::valid_user_id(u.get_string()))
                throw invalid_param("Malformed user id in invite");
            invitees.emplace_back(u.get_string());
        }
    }
    return invitees;
}

std::vector<StateEntry> parse_initial_state(const json::object& body) {
    std::vector<StateEntry> out;
    if (const auto* st = jf::opt_array(body, "initial_state")) {
        if (st->size() > kMaxInitialState)
            throw invalid_param("'initial_state' has more than 100 entries");
        for (const auto& v : *st) {
            if (!v.is_object()) throw bad_json("initial_state entries must be objects");
            const auto& o = v.get_object();
            out.push_back(StateEntry{jf::req_string(o, "type"),
                                     jf::opt_string(o, "state_key").value_or(""),
                                     jf::req_object(o, "content")});
        }
    }
    return out;
}

CreatePlan parse_create_room(const json::object& body, const std::string& server_name) {
    CreatePlan p;
    std::string version_id =
        jf::opt_string(body, "room_version").value_or(std::string(event::kDefaultRoomVersion));
    p.version = event::room_version(version_id);
    if (!p.version)
        throw MatrixError(400, "M_UNSUPPORTED_ROOM_VERSION",
                          "Room version " + version_id + " is not supported");
    p.visibility = jf::opt_string(body, "visibility").value_or("private");
    if (p.visibility != "public" && p.visibility != "private")
        throw invalid_param("visibility must be 'public' or 'private'");
    p.preset = jf::opt_string(body, "preset")
                   .value_or(p.visibility == "public" ? "public_chat" : "private_chat");
    if (p.preset != "public_chat" && p.preset != "private_chat" &&
        p.preset != "trusted_private_chat")
        throw invalid_param("Unknown preset");
    p.is_direct = jf::opt_bool(body, "is_direct").value_or(false);
    p.invitees = parse_invitees(body);
    if (auto name = jf::opt_string(body, "room_alias_name")) {
        p.alias = "#" + *name + ":" + server_name;
        if (name->empty() || name->find(':') != std::string::npos ||
            !ids::valid_room_alias(*p.alias))
            throw invalid_param("Invalid room_alias_name");
    }
    p.initial_state = parse_initial_state(body);
    if (const auto* c = jf::opt_object(body, "creation_content")) p.creation = *c;
    p.pl_override = jf::opt_object(body, "power_level_content_override");
    auto storable = [](const json::object& content, const std::string& what) {
        if (!event::fits_canonical_json(content))
            throw bad_json(what + " holds a number an event cannot: a fraction, or an integer "
                                  "beyond ±(2^53 − 1)");
    };
    storable(p.creation, "creation_content");
    if (p.pl_override) storable(*p.pl_override, "power_level_content_override");
    for (const auto& e : p.initial_state)
        storable(e.content, "initial_state content");
    p.name = jf::opt_string(body, "name");
    p.topic = jf::opt_string(body, "topic");
    return p;
}

// The create event's content: the version's creator fields, and for a trusted private chat in
// a version where creators have infinite power, the invitees as additional creators.
json::object create_content(CreatePlan& p, const std::string& creator) {
    auto creation = std::move(p.creation);
    creation["room_version"] = p.version->id;
    if (p.version->create_has_creator)
        creation["creator"] = creator;
    else
        creation.erase("creator");
    if (p.version->creators_have_infinite_power && p.preset == "trusted_private_chat" &&
        !p.invitees.empty()) {
        json::array extra;
        if (auto* existing = creation.if_contains("additional_creators");
            existing && existing->is_array())
            extra = existing->get_array();
        for (const auto& u : p.invitees)
            extra.emplace_back(u);
        creation["additional_creators"] = std::move(extra);
    }
    return creation;
}
} // namespace

std::string RoomService::create_room(const Actor& actor, const json::object& body) {
    auto plan = parse_create_room(body, server_name_);
    if (plan.alias && store_.get_alias(*plan.alias))
        throw MatrixError(400, "M_ROOM_IN_USE", "Alias already taken");
    const auto& version = *plan.version;

    std::string room_id;
    json::object create_pdu{{"type", event_type::create},
                            {"state_key", ""},
                            {"sender", actor.user_id},
                            {"content", create_content(plan, actor.user_id)}};
    if (version.room_id_from_create_event) {
        // v12: the room id is the create event's reference hash, so the event is complete
        // (timestamp, hashes) before the room exists.
        create_pdu["prev_events"] = json::array{};
        create_pdu["auth_events"] = json::array{};
        create_pdu["depth"] = 1;
        create_pdu["origin_server_ts"] = util::now_ms();
        event::add_content_hash(create_pdu);
        room_id = event::room_id_for_create_event(create_pdu, version);
    } else {
        room_id = "!" + util::random_letters(18) + ":" + server_name_;
        create_pdu["room_id"] = room_id;
    }
    // Every event of the new room in one transaction: an entry the auth rules refuse, or a
    // crash, leaves no half-made room behind.
    in_one_batch(room_id, [&] {
        store_.create_room(store::RoomRecord{room_id, version.id, actor.user_id,
                                             plan.visibility == "public", util::now_ms()});
        require_room(room_id);
        store_event(room_id, create_pdu, std::nullopt);
        send_initial_events(actor, room_id, version, plan.preset, plan.is_direct, plan.alias,
                            plan.invitees, std::move(plan.initial_state), plan.pl_override,
                            plan.name, plan.topic);
    });
    return room_id;
}

void RoomService::send_initial_events(const Actor& actor, const std::string& room_id,
                                      const event::RoomVersion& version, const std::string& preset,
                                      bool is_direct, const std::optional<std::string>& alias,
                                      const std::vector<std::string>& invitees,
                                      std::vector<StateEntry> initial_state,
                                      const json::object* pl_override,
                                      const std::optional<std::string>& name,
                                      const std::optional<std::string>& topic) {

    auto send_state = [&](const std::string& type, const std::string& key, json::object content) {
        send_event(room_id, actor, type, std::move(content), key);
    };
    send_state(event_type::member, actor.user_id, member_content(actor.user_id, "join"));

    auto pl = default_power_levels(version, actor.user_id, preset, invitees);
    if (pl_override)
        for (const auto& kv : *pl_override)
            pl[kv.key()] = kv.value();
    send_state(event_type::power_levels, "", std::move(pl));

    if (alias) {
        store_.put_alias(*alias, room_id, actor.user_id);
        send_state(event_type::canonical_alias, "", json::object{{"alias", *alias}});
    }

    std::map<event::StateKey, json::object> preset_state;
    preset_state[{event_type::join_rules, ""}] =
        json::object{{"join_rule", preset == "public_chat" ? "public" : "invite"}};
    preset_state[{event_type::history_visibility, ""}] =
        json::object{{"history_visibility", "shared"}};
    preset_state[{event_type::guest_access, ""}] =
        json::object{{"guest_access", preset == "public_chat" ? "forbidden" : "can_join"}};
    // initial_state overrides the preset's events of the same type and key.
    for (const auto& e : initial_state)
        preset_state.erase({e.type, e.state_key});
    for (auto& [k, content] : preset_state)
        send_state(k.first, k.second, std::move(content));
    for (auto& e : initial_state)
        send_state(e.type, e.state_key, std::move(e.content));

    if (name) send_state(event_type::name, "", json::object{{"name", *name}});
    if (topic)
        send_state(event_type::topic, "",
                   json::object{{"topic", *topic},
                                {"m.topic", json::array{json::object{
                                                {"body", *topic}, {"mimetype", "text/plain"}}}}});
    for (const auto& u : invitees) {
        auto content = member_content(u, "invite");
        if (is_direct) content["is_direct"] = true;
        send_event(room_id, actor, event_type::member, std::move(content), u);
    }
}

} // namespace myelin::room
