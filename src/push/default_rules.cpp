#include "push/default_rules.hpp"

namespace myelin::push {

namespace json = boost::json;

namespace {
// "USER_LOCALPART" and "USER_ID" are replaced per user. Order matters: it is evaluation order.
constexpr const char* kDefaults = R"JSON({
 "override": [
  {"rule_id": ".m.rule.master", "default": true, "enabled": false, "conditions": [], "actions": []},
  {"rule_id": ".m.rule.suppress_notices", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "content.msgtype", "pattern": "m.notice"}],
   "actions": []},
  {"rule_id": ".m.rule.invite_for_me", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.member"},
                  {"kind": "event_match", "key": "content.membership", "pattern": "invite"},
                  {"kind": "event_match", "key": "state_key", "pattern": "USER_ID"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}]},
  {"rule_id": ".m.rule.member_event", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.member"}],
   "actions": []},
  {"rule_id": ".m.rule.is_user_mention", "default": true, "enabled": true,
   "conditions": [{"kind": "event_property_contains", "key": "content.m\\.mentions.user_ids",
                   "value": "USER_ID"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]},
  {"rule_id": ".m.rule.contains_display_name", "default": true, "enabled": true,
   "conditions": [{"kind": "contains_display_name"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]},
  {"rule_id": ".m.rule.is_room_mention", "default": true, "enabled": true,
   "conditions": [{"kind": "event_property_is", "key": "content.m\\.mentions.room", "value": true},
                  {"kind": "sender_notification_permission", "key": "room"}],
   "actions": ["notify", {"set_tweak": "highlight"}]},
  {"rule_id": ".m.rule.roomnotif", "default": true, "enabled": true,
   "conditions": [{"kind": "sender_notification_permission", "key": "room"},
                  {"kind": "event_match", "key": "content.body", "pattern": "@room"}],
   "actions": ["notify", {"set_tweak": "highlight"}]},
  {"rule_id": ".m.rule.tombstone", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.tombstone"},
                  {"kind": "event_match", "key": "state_key", "pattern": ""}],
   "actions": ["notify", {"set_tweak": "highlight"}]},
  {"rule_id": ".m.rule.reaction", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.reaction"}],
   "actions": []},
  {"rule_id": ".m.rule.room.server_acl", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.server_acl"},
                  {"kind": "event_match", "key": "state_key", "pattern": ""}],
   "actions": []},
  {"rule_id": ".m.rule.suppress_edits", "default": true, "enabled": true,
   "conditions": [{"kind": "event_property_is", "key": "content.m\\.relates_to.rel_type",
                   "value": "m.replace"}],
   "actions": []}
 ],
 "content": [
  {"rule_id": ".m.rule.contains_user_name", "default": true, "enabled": true,
   "pattern": "USER_LOCALPART",
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]}
 ],
 "room": [],
 "sender": [],
 "underride": [
  {"rule_id": ".m.rule.call", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.call.invite"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "ring"}]},
  {"rule_id": ".m.rule.encrypted_room_one_to_one", "default": true, "enabled": true,
   "conditions": [{"kind": "room_member_count", "is": "2"},
                  {"kind": "event_match", "key": "type", "pattern": "m.room.encrypted"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}]},
  {"rule_id": ".m.rule.room_one_to_one", "default": true, "enabled": true,
   "conditions": [{"kind": "room_member_count", "is": "2"},
                  {"kind": "event_match", "key": "type", "pattern": "m.room.message"}],
   "actions": ["notify", {"set_tweak": "sound", "value": "default"}]},
  {"rule_id": ".m.rule.message", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.message"}],
   "actions": ["notify"]},
  {"rule_id": ".m.rule.encrypted", "default": true, "enabled": true,
   "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.encrypted"}],
   "actions": ["notify"]}
 ]
})JSON";

void substitute(json::value& v, const std::string& user_id, const std::string& localpart) {
    if (v.is_string()) {
        if (v.get_string() == "USER_ID")
            v = user_id;
        else if (v.get_string() == "USER_LOCALPART")
            v = localpart;
    } else if (v.is_array()) {
        for (auto& x : v.get_array())
            substitute(x, user_id, localpart);
    } else if (v.is_object()) {
        for (auto& kv : v.get_object())
            substitute(kv.value(), user_id, localpart);
    }
}
} // namespace

const json::object& default_ruleset_template() {
    static const json::value parsed = json::parse(kDefaults);
    return parsed.as_object();
}

json::object default_ruleset(const std::string& user_id) {
    json::value copy = default_ruleset_template();
    auto colon = user_id.find(':');
    std::string localpart =
        user_id.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
    substitute(copy, user_id, localpart);
    return copy.as_object();
}

} // namespace myelin::push
