#include "room/visibility.hpp"
#include "event/event_types.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"

#include <boost/json.hpp>

namespace myelin::room {

namespace json = boost::json;

namespace {
std::optional<std::string> content_string(const store::StoredEvent& e, std::string_view key) {
    auto v = json_fields::parse_stored(e.json);
    const auto* c = v.as_object().if_contains("content");
    if (!c || !c->is_object()) return std::nullopt;
    const auto* s = c->get_object().if_contains(key);
    if (!s || !s->is_string()) return std::nullopt;
    return std::string(s->get_string());
}
} // namespace

Visibility::Visibility(store::EventStore& store, std::string room_id, std::string user_id)
    : store_(store)
    , room_id_(std::move(room_id))
    , user_id_(std::move(user_id)) {}

std::string Visibility::history_visibility_at(std::int64_t pos) {
    auto e = store_.state_event_at(room_id_, event_type::history_visibility, "", pos);
    if (!e || e->redacted_by) return "shared"; // the spec's default
    return content_string(*e, "history_visibility").value_or("shared");
}

std::optional<std::string> Visibility::membership_at(std::int64_t pos) {
    auto e = store_.state_event_at(room_id_, event_type::member, user_id_, pos);
    if (!e) return std::nullopt;
    return content_string(*e, "membership");
}

bool Visibility::can_see(const store::StoredEvent& e) {
    // State before the event decides; a user always sees their own membership events.
    auto before = e.stream_ordering - 1;
    auto hv = history_visibility_at(before);
    if (hv == "world_readable") return true;
    if (e.type == event_type::member && e.state_key == user_id_) return true;
    auto m = membership_at(before);
    if (m == std::optional<std::string>("join")) return true;
    if (hv == "shared") {
        // "shared": visible to a user who joined at any point after the event.
        return store_.joined_after(room_id_, user_id_, e.stream_ordering);
    }
    if (hv == "invited" && m == std::optional<std::string>("invite")) return true;
    return false;
}

bool Visibility::may_read_room() {
    auto m = store_.membership(room_id_, user_id_);
    if (m && *m == "join") return true;
    // Someone who left or was banned reads what they saw while joined (can_see decides each
    // event); one who was never joined (a rejected or revoked invite, a rescinded knock, a
    // pre-emptive ban) has nothing to read.
    if (m && (*m == "leave" || *m == "ban") && store_.joined_after(room_id_, user_id_, 0))
        return true;
    return history_visibility_at(store_.max_stream_position()) == "world_readable";
}

bool server_can_see(store::EventStore& store, const store::StoredEvent& e,
                    std::string_view server_name) {
    Visibility anyone(store, e.room_id, "");
    if (anyone.can_see(e)) return true; // world_readable: no member needed
    for (const auto& m : store.members(e.room_id)) {
        if (ids::server_of(m.user_id) != server_name) continue;
        if (Visibility(store, e.room_id, m.user_id).can_see(e)) return true;
    }
    return false;
}

} // namespace myelin::room
