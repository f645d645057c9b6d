#include "sync/change_listener.hpp"
#include "event/event_types.hpp"

#include "event/redaction.hpp"
#include "sync/sync_service.hpp"

#include <set>

namespace myelin::sync {

using feed::Kind;

void ChangeListener::operator()(const feed::Change& c) {
    std::string user(c.user);
    switch (c.kind) {
    case Kind::room_event:
        on_room_event(*c.event);
        break;
    case Kind::typing: // ephemeral room data: wakes the room's members like an event
        notifier_.on_room_event(std::string(c.room), nullptr, nullptr);
        break;
    case Kind::receipt:
        notifier_.on_receipt(std::string(c.room), user);
        break;
    case Kind::push_actions:
        notifier_.on_push_actions(std::string(c.room), c.position, *c.actions);
        break;
    case Kind::key_counts:
        notifier_.on_key_counts_changed(user);
        break;
    case Kind::account_data:
    case Kind::device_removed: // a deleted device or logged-out token must end its streams
    case Kind::user_changed:
        notifier_.wake_user(user);
        break;
    case Kind::to_device:
        for (const auto& u : c.users)
            notifier_.wake_user(u);
        break;
    case Kind::keys:
        wake_room_mates({&user, 1}, Notifier::Topic::everything);
        break;
    case Kind::presence:
        wake_room_mates(c.users, Notifier::Topic::presence);
        break;
    case Kind::resync:
        notifier_.wake_all();
        break;
    case Kind::typing_set: // the typing change that follows wakes
        break;
    }
}

// Every stored event wakes the syncs of the room's members; a redaction changes how the
// redacted event is served, so its cached serialization is dropped.
void ChangeListener::on_room_event(const room::Event& e) {
    if (e.type() == event_type::redaction)
        if (auto target = event::redaction_target(e.pdu, rooms_.version_of(e.row.room_id)))
            sync_.event_redacted(*target);
    std::string membership;
    bool member = e.type() == event_type::member;
    if (member)
        if (const auto* m = e.content().if_contains("membership"); m && m->is_string())
            membership = std::string(m->get_string());
    notifier_.on_room_event(e.row.room_id, member ? &*e.row.state_key : nullptr,
                            membership.empty() ? nullptr : &membership, e.row.stream_ordering);
}

void ChangeListener::wake_room_mates(std::span<const std::string> users, Notifier::Topic topic) {
    std::set<std::string> rooms_hit;
    for (const auto& u : users) {
        notifier_.wake_user(u, topic);
        for (auto& room_id : store_.rooms_for_user(u, "join"))
            rooms_hit.insert(std::move(room_id));
    }
    for (const auto& room_id : rooms_hit)
        notifier_.wake_room(room_id, topic);
}

} // namespace myelin::sync
