#include "event/auth_rules.hpp"
#include "event/event_types.hpp"
#include "event/membership.hpp"

#include "event/power_levels.hpp"
#include "util/ids.hpp"
#include <set>

namespace myelin::event {

namespace json = boost::json;

namespace {

AuthDecision allow() {
    return {true, {}};
}
AuthDecision deny(std::string why) {
    return {false, std::move(why)};
}

std::string str(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object& content_of(const json::object& e) {
    static const json::object empty;
    const auto* c = e.if_contains("content");
    return c && c->is_object() ? c->get_object() : empty;
}

const json::object* find(const StateMap& s, const std::string& type, const std::string& key = "") {
    auto it = s.find({type, key});
    return it == s.end() ? nullptr : it->second;
}

// No member event (or one with a value the spec does not define): leave.
Membership membership_of(const StateMap& s, const std::string& user) {
    const auto* m = find(s, event_type::member, user);
    return m ? parse_membership(str(content_of(*m), "membership")).value_or(Membership::leave)
             : Membership::leave;
}

std::string join_rule(const StateMap& s) {
    const auto* jr = find(s, event_type::join_rules);
    return jr ? str(content_of(*jr), "join_rule") : "invite";
}

AuthDecision check_create(const json::object& e, const RoomVersion& v) {
    if (const auto* prev = e.if_contains("prev_events");
        prev && prev->is_array() && !prev->get_array().empty())
        return deny("The create event must be the first event");
    auto sender = str(e, "sender");
    if (v.room_id_from_create_event) {
        if (e.contains("room_id")) return deny("A v12 create event has no room_id");
    } else if (ids::server_of(str(e, "room_id")) != ids::server_of(sender)) {
        return deny("The room id's server must match the creator's server");
    }
    const auto& c = content_of(e);
    if (const auto* rv = c.if_contains("room_version"))
        if (!rv->is_string() || !room_version(rv->get_string()))
            return deny("Unknown room version in the create event");
    if (v.create_has_creator && !c.contains("creator"))
        return deny("The create event needs a creator");
    if (v.creators_have_infinite_power)
        if (const auto* extra = c.if_contains("additional_creators")) {
            if (!extra->is_array()) return deny("additional_creators must be a list of user ids");
            for (const auto& u : extra->get_array())
                if (!u.is_string() || !ids::valid_user_id(u.get_string()))
                    return deny("additional_creators must be a list of user ids");
        }
    return allow();
}

AuthDecision check_member(const json::object& e, const StateMap& s, const RoomVersion& v,
                          const PowerLevels& pl) {
    const auto* sk = e.if_contains("state_key");
    const auto& c = content_of(e);
    if (!sk || !sk->is_string() || !c.contains("membership"))
        return deny("A membership event needs a state_key and a membership");
    std::string target(sk->get_string());
    std::string sender = str(e, "sender");
    auto membership = parse_membership(str(c, "membership"));
    auto sender_m = membership_of(s, sender);
    auto target_m = membership_of(s, target);
    if (const auto* via = c.if_contains("join_authorised_via_users_server"))
        if (!via->is_string() || !ids::valid_user_id(via->get_string()))
            return deny("join_authorised_via_users_server must be a user id");

    if (membership == Membership::join) {
        // The creator's own first join, straight after the create event.
        const auto* create = find(s, event_type::create);
        const auto* prev = e.if_contains("prev_events");
        if (create && prev && prev->is_array() && prev->get_array().size() == 1 && s.size() == 1 &&
            pl.is_creator(target) && target == sender &&
            (v.create_has_creator ? str(content_of(*create), "creator") == target
                                  : str(*create, "sender") == target))
            return allow();
        if (sender != target) return deny("You can only join for yourself");
        if (target_m == Membership::ban) return deny("You are banned from this room");
        auto rule = join_rule(s);
        if (rule == "invite" || rule == "knock") {
            if (target_m == Membership::invite || target_m == Membership::join) return allow();
            return deny("This room is invite-only: you need an invite to join");
        }
        if ((rule == "restricted" && v.restricted_join) ||
            (rule == "knock_restricted" && v.knock_restricted)) {
            if (target_m == Membership::invite || target_m == Membership::join) return allow();
            auto via = str(c, "join_authorised_via_users_server");
            if (via.empty() || membership_of(s, via) != Membership::join ||
                pl.user_level(via) < pl.invite())
                return deny("This room is restricted: you are not in a room that grants access");
            return allow();
        }
        if (rule == "public") return allow();
        return deny("The room's join rule does not allow joining");
    }
    if (membership == Membership::invite) {
        if (c.contains("third_party_invite"))
            return deny("Third-party invites are not supported on this server");
        if (sender_m != Membership::join) return deny("You must be in the room to invite");
        if (target_m == Membership::join) return deny("The user is already in the room");
        if (target_m == Membership::ban) return deny("The user is banned from this room");
        if (pl.user_level(sender) >= pl.invite()) return allow();
        return deny("Your power level is too low to invite");
    }
    if (membership == Membership::leave) {
        if (sender == target) {
            if (target_m == Membership::invite || target_m == Membership::join ||
                target_m == Membership::knock)
                return allow();
            return deny("You are not in this room");
        }
        if (sender_m != Membership::join) return deny("You must be in the room to remove others");
        if (target_m == Membership::ban && pl.user_level(sender) < pl.ban())
            return deny("Your power level is too low to unban");
        if (pl.user_level(sender) >= pl.kick() && pl.user_level(target) < pl.user_level(sender))
            return allow();
        return deny("Your power level is too low to kick this user");
    }
    if (membership == Membership::ban) {
        if (sender_m != Membership::join) return deny("You must be in the room to ban");
        if (pl.user_level(sender) >= pl.ban() && pl.user_level(target) < pl.user_level(sender))
            return allow();
        return deny("Your power level is too low to ban this user");
    }
    if (membership == Membership::knock && v.knock) {
        auto rule = join_rule(s);
        if (rule != "knock" && !(rule == "knock_restricted" && v.knock_restricted))
            return deny("This room does not accept knocks");
        if (sender != target) return deny("You can only knock for yourself");
        if (target_m == Membership::ban) return deny("You are banned from this room");
        if (target_m == Membership::invite) return deny("You are already invited");
        if (target_m == Membership::join) return deny("You are already in the room");
        return allow();
    }
    return deny("Unknown membership '" + str(c, "membership") + "'");
}

// Rule 10.1-10.3: shape of a power levels event.
AuthDecision check_power_levels_shape(const json::object& c, const RoomVersion& v,
                                      const PowerLevels& pl) {
    for (const char* k :
         {"users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"})
        if (const auto* x = c.if_contains(k); x && !power_value(*x, v))
            return deny(std::string(k) + " must be an integer");
    for (const char* k : {"events", "notifications"})
        if (const auto* x = c.if_contains(k)) {
            if (!x->is_object()) return deny(std::string(k) + " must be an object of integers");
            for (const auto& kv : x->get_object())
                if (!power_value(kv.value(), v))
                    return deny(std::string(k) + " must be an object of integers");
        }
    if (const auto* users = c.if_contains("users")) {
        if (!users->is_object()) return deny("users must map user ids to integers");
        for (const auto& kv : users->get_object()) {
            if (!ids::valid_user_id(kv.key()) || !power_value(kv.value(), v))
                return deny("users must map user ids to integers");
            if (v.creators_have_infinite_power && pl.is_creator(kv.key()))
                return deny("Room creators cannot be listed in power levels");
        }
    }
    return allow();
}

std::optional<std::int64_t> level_in(const json::object& c, std::string_view group,
                                     std::string_view key, const RoomVersion& v) {
    const json::value* x = nullptr;
    if (group.empty()) {
        x = c.if_contains(key);
    } else if (const auto* g = c.if_contains(group); g && g->is_object()) {
        x = g->get_object().if_contains(key);
    }
    return x ? power_value(*x, v) : std::nullopt;
}

AuthDecision check_power_levels_change(const json::object& old_c, const json::object& new_c,
                                       const std::string& sender, const RoomVersion& v,
                                       const PowerLevels& pl) {
    auto mine = pl.user_level(sender);
    for (const char* k :
         {"users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"}) {
        auto before = level_in(old_c, "", k, v);
        auto after = level_in(new_c, "", k, v);
        if (before == after) continue;
        if ((before && *before > mine) || (after && *after > mine))
            return deny(std::string("You cannot change '") + k + "' beyond your own power level");
    }
    for (const char* group : {"events", "notifications"}) {
        std::set<std::string> keys;
        for (const auto* c : {&old_c, &new_c})
            if (const auto* g = c->if_contains(group); g && g->is_object())
                for (const auto& kv : g->get_object())
                    keys.insert(std::string(kv.key()));
        for (const auto& k : keys) {
            auto before = level_in(old_c, group, k, v);
            auto after = level_in(new_c, group, k, v);
            if (before == after) continue;
            if (before && *before > mine)
                return deny("You cannot change the level of '" + k + "': it is above yours");
            if (after && *after > mine)
                return deny("You cannot set the level of '" + k + "' above your own");
        }
    }
    std::set<std::string> users;
    for (const auto* c : {&old_c, &new_c})
        if (const auto* g = c->if_contains("users"); g && g->is_object())
            for (const auto& kv : g->get_object())
                users.insert(std::string(kv.key()));
    for (const auto& u : users) {
        auto before = level_in(old_c, "users", u, v);
        auto after = level_in(new_c, "users", u, v);
        if (before == after) continue;
        if (before && u != sender && *before >= mine)
            return deny("You cannot change the power level of " + u + ": it is not below yours");
        if (after && *after > mine)
            return deny("You cannot give " + u + " a power level above your own");
    }
    return allow();
}

} // namespace

std::vector<StateKey> auth_event_keys(const json::object& e, const RoomVersion& v) {
    std::vector<StateKey> keys;
    auto type = str(e, "type");
    if (type == event_type::create) return keys;
    if (!v.room_id_from_create_event) keys.emplace_back(event_type::create, "");
    keys.emplace_back(event_type::power_levels, "");
    keys.emplace_back(event_type::member, str(e, "sender"));
    if (type == event_type::member) {
        const auto& c = content_of(e);
        auto target = str(e, "state_key");
        if (target != str(e, "sender")) keys.emplace_back(event_type::member, target);
        auto m = parse_membership(str(c, "membership"));
        if (m == Membership::join || m == Membership::invite || m == Membership::knock)
            keys.emplace_back(event_type::join_rules, "");
        if (m == Membership::invite)
            if (const auto* tpi = c.if_contains("third_party_invite"); tpi && tpi->is_object())
                if (const auto* sg = tpi->get_object().if_contains("signed"); sg && sg->is_object())
                    keys.emplace_back(event_type::third_party_invite,
                                      str(sg->get_object(), "token"));
        if (m == Membership::join) {
            auto via = str(c, "join_authorised_via_users_server");
            if (!via.empty()) keys.emplace_back(event_type::member, via);
        }
    }
    return keys;
}

AuthDecision check_auth(const json::object& e, const StateMap& s, const RoomVersion& v) {
    auto type = str(e, "type");
    auto sender = str(e, "sender");
    if (!ids::valid_user_id(sender)) return deny("The sender is not a valid user id");
    if (type == event_type::create) return check_create(e, v);

    const auto* create = find(s, event_type::create);
    if (!create) return deny("The room has no create event");
    // m.federate: false keeps other servers out.
    if (const auto* fed = content_of(*create).if_contains("m.federate");
        fed && fed->is_bool() && !fed->get_bool() &&
        ids::server_of(sender) != ids::server_of(str(*create, "sender")))
        return deny("This room does not federate");

    auto pl = PowerLevels::from_state(s, v);
    if (type == event_type::member) return check_member(e, s, v, pl);

    if (membership_of(s, sender) != Membership::join)
        return deny("You are not joined to this room");
    if (type == event_type::third_party_invite) {
        if (pl.user_level(sender) >= pl.invite()) return allow();
        return deny("Your power level is too low to invite");
    }
    const auto* sk = e.if_contains("state_key");
    bool is_state = sk && sk->is_string();
    if (pl.event_level(type, is_state) > pl.user_level(sender))
        return deny("Your power level is too low to send " + type + " events");
    if (is_state) {
        std::string key(sk->get_string());
        if (!key.empty() && key[0] == '@' && key != sender)
            return deny("State keys that are user ids belong to that user");
    }
    if (type == event_type::power_levels) {
        const auto& c = content_of(e);
        if (auto shape = check_power_levels_shape(c, v, pl); !shape.allowed) return shape;
        const auto* old = find(s, event_type::power_levels);
        if (!old) return allow();
        return check_power_levels_change(content_of(*old), c, sender, v, pl);
    }
    return allow();
}

bool redaction_allowed(const json::object& redaction, const std::string& target_sender,
                       const StateMap& state, const RoomVersion& v) {
    auto sender = str(redaction, "sender");
    if (!sender.empty() && sender == target_sender) return true;
    auto pl = PowerLevels::from_state(state, v);
    return pl.user_level(sender) >= pl.redact();
}

} // namespace myelin::event
