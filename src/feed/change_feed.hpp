#pragma once
// One typed feed of what changed. Services that change something publish a Change; whoever
// must hear of it (the sync notifier, push counting, the replicator that tells other processes,
// later the federation and appservice senders) subscribes in app::Core. A publisher names what
// changed and for whom, never who listens.
//
// Publishing is synchronous: subscribers run in the order they subscribed, on the loop, before
// publish() returns, so the Change may point at the caller's data (the views below are valid
// only during the call). Subscribers may publish further changes; they may not subscribe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::room {
struct Event;
}
namespace myelin::store {
struct PushAction;
}

namespace myelin::feed {

enum class Kind {
    room_event,     // `event` was stored in `room` (position: its stream ordering)
    typing,         // the typers of `room` changed
    typing_set,     // a local user set their typing in `room` (`typing`, `timeout`)
    receipt,        // `user` sent a receipt in `room`
    account_data,   // `user`'s account data changed (position: its stream position)
    to_device,      // to-device messages were queued for `users`
    device_removed, // `user`'s device `device` was deleted or logged out
    keys,           // `user`'s device keys or device list changed: their room-mates must hear
    key_counts,     // `user`'s one-time or fallback key counts may have changed
    presence,       // `users`' presence changed
    push_actions,   // the push actions of the event at `position` in `room` were evaluated
    user_changed,   // another process changed something only `user`'s syncs see
    resync,         // notifications from other processes may have been missed: look again
};

enum class Origin {
    here,          // this process made the change
    other_process, // another process sharing the database made it (cluster/replicator)
};

struct Change {
    explicit Change(Kind k, Origin o = Origin::here, std::int64_t pos = 0)
        : kind(k)
        , origin(o)
        , position(pos) {}

    Kind kind;
    Origin origin;
    std::int64_t position;
    std::string_view room;
    std::string_view user;
    std::span<const std::string> users;
    std::string_view device;
    const room::Event* event = nullptr;                      // room_event
    const std::vector<store::PushAction>* actions = nullptr; // push_actions
    bool typing = false;                                     // typing_set
    std::chrono::milliseconds timeout{0};                    // typing_set

    bool local() const { return origin == Origin::here; }
};

class ChangeFeed {
public:
    using Subscriber = std::function<void(const Change&)>;

    // `name` says who listens, for logs and for reading the wiring.
    void subscribe(std::string name, Subscriber fn) {
        subscribers_.push_back({std::move(name), std::move(fn)});
    }
    void publish(const Change& c) const {
        for (const auto& s : subscribers_)
            s.fn(c);
    }
    std::vector<std::string> subscriber_names() const {
        std::vector<std::string> out;
        for (const auto& s : subscribers_)
            out.push_back(s.name);
        return out;
    }

private:
    struct Entry {
        std::string name;
        Subscriber fn;
    };
    std::vector<Entry> subscribers_;
};

} // namespace myelin::feed
