#include "event/redaction.hpp"
#include "event/event_types.hpp"

#include <initializer_list>
#include <string_view>

namespace myelin::event {

namespace json = boost::json;

namespace {
bool in(std::string_view key, std::initializer_list<std::string_view> keys) {
    for (auto k : keys)
        if (k == key) return true;
    return false;
}

json::object keep(const json::object& content, std::initializer_list<std::string_view> keys) {
    json::object out;
    for (const auto& kv : content)
        if (in(kv.key(), keys)) out.emplace(kv.key(), kv.value());
    return out;
}
} // namespace

json::object redact_event(const json::object& event, const RoomVersion& v) {
    // v11 (MSC2176, MSC3821, MSC3989) dropped origin, membership and prev_state from the
    // top level and keeps more content keys; v12 redacts like v11.
    const bool v11 = v.redacts_in_content;
    json::object out;
    for (const auto& kv : event) {
        auto k = kv.key();
        bool kept =
            in(k, {"event_id", "type", "room_id", "sender", "state_key", "content", "hashes",
                   "signatures", "depth", "prev_events", "auth_events", "origin_server_ts"}) ||
            (!v11 && in(k, {"origin", "membership", "prev_state"}));
        if (kept) out.emplace(k, kv.value());
    }
    const json::object empty;
    const auto* c = event.if_contains("content");
    const json::object& content = c && c->is_object() ? c->get_object() : empty;
    const auto* t = event.if_contains("type");
    std::string_view type = t && t->is_string() ? std::string_view(t->get_string()) : "";

    json::object kept;
    if (type == event_type::member) {
        kept = keep(content, {"membership", "join_authorised_via_users_server"});
        // v11 keeps third_party_invite "but it will only contain the signed key": an object
        // without `signed` stays as {} (as Synapse and Ruma do); a non-object is dropped.
        if (const auto* tpi = content.if_contains("third_party_invite");
            v11 && tpi && tpi->is_object())
            kept["third_party_invite"] = keep(tpi->get_object(), {"signed"});
    } else if (type == event_type::create) {
        kept = v11 ? content : keep(content, {"creator"});
    } else if (type == event_type::join_rules) {
        kept = keep(content, {"join_rule", "allow"});
    } else if (type == event_type::power_levels) {
        kept = v11 ? keep(content, {"ban", "events", "events_default", "invite", "kick", "redact",
                                    "state_default", "users", "users_default"})
                   : keep(content, {"ban", "events", "events_default", "kick", "redact",
                                    "state_default", "users", "users_default"});
    } else if (type == event_type::history_visibility) {
        kept = keep(content, {"history_visibility"});
    } else if (type == event_type::redaction && v11) {
        kept = keep(content, {"redacts"});
    }
    out["content"] = std::move(kept);
    return out;
}

std::optional<std::string> redaction_target(const boost::json::object& pdu, const RoomVersion& v) {
    const boost::json::value* r = pdu.if_contains("redacts");
    if (v.redacts_in_content) {
        const auto* content = pdu.if_contains("content");
        r = content && content->is_object() ? content->get_object().if_contains("redacts")
                                            : nullptr;
    }
    if (r && r->is_string()) return std::string(r->get_string());
    return std::nullopt;
}

} // namespace myelin::event
