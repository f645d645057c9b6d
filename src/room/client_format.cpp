#include "room/client_format.hpp"
#include "event/event_types.hpp"

#include "event/redaction.hpp"

namespace myelin::room {

namespace json = boost::json;

json::object client_event(const Event& e, const event::RoomVersion& v, const Event* redaction) {
    json::object src = redaction ? event::redact_event(e.pdu, v) : e.pdu;
    json::object out;
    out.reserve(9);
    out["type"] = e.row.type;
    out["event_id"] = e.row.event_id;
    out["room_id"] = e.row.room_id;
    out["sender"] = e.row.sender;
    out["origin_server_ts"] = e.row.origin_server_ts;
    if (e.row.state_key) out["state_key"] = *e.row.state_key;
    if (auto* c = src.if_contains("content"))
        out["content"] = *c;
    else
        out["content"] = json::object{};
    // Redactions: v11 moved `redacts` into content; clients written before that still read
    // the top-level key, so it is served in both places.
    if (e.row.type == event_type::redaction) {
        if (auto* r = e.pdu.if_contains("redacts"))
            out["redacts"] = *r;
        else if (auto* c = e.content().if_contains("redacts"))
            out["redacts"] = *c;
    }
    json::object unsigned_;
    if (redaction) unsigned_["redacted_because"] = client_event(*redaction, v);
    if (auto* u = e.pdu.if_contains("unsigned"); u && u->is_object())
        for (const auto& kv : u->get_object())
            unsigned_.emplace(kv.key(), kv.value());
    if (!unsigned_.empty()) out["unsigned"] = std::move(unsigned_);
    return out;
}

json::object stripped_state(const Event& e) {
    return json::object{{"type", e.row.type},
                        {"state_key", e.row.state_key.value_or("")},
                        {"sender", e.row.sender},
                        {"content", e.content()}};
}

} // namespace myelin::room
