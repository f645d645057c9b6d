#pragma once
// What the sync engine does with each change of the feed: wake the streams that must look
// again (the notifier), keep the sync caches current, and drop the cached serialization of an
// event a redaction changed. Subscribed last in app::Core: the streams it wakes read what the
// other subscribers (push counting, presence, typing) have already updated.
#include "feed/change_feed.hpp"
#include "room/room_service.hpp"
#include "store/store.hpp"
#include "sync/notifier.hpp"

namespace myelin::sync {

class SyncService;

class ChangeListener {
public:
    ChangeListener(Notifier& notifier, SyncService& sync, room::RoomService& rooms,
                   store::Store& store)
        : notifier_(notifier)
        , sync_(sync)
        , rooms_(rooms)
        , store_(store) {}

    void operator()(const feed::Change& c);

private:
    void on_room_event(const room::Event& e);
    // These users' keys or presence changed: wake them and, once per room, everyone sharing
    // a room with them (the notifier's room index, no query per member).
    void wake_room_mates(std::span<const std::string> users, Notifier::Topic topic);

    Notifier& notifier_;
    SyncService& sync_;
    room::RoomService& rooms_;
    store::Store& store_;
};

} // namespace myelin::sync
