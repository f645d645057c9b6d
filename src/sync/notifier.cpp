#include "sync/notifier.hpp"

#include <algorithm>

namespace myelin::sync {

std::shared_ptr<Notifier::Waiter> Notifier::subscribe(const std::string& user_id) {
    auto w = std::make_shared<Waiter>(ex_);
    waiters_[user_id].push_back(w);
    return w;
}

void Notifier::unsubscribe(const std::string& user_id, const std::shared_ptr<Waiter>& w) {
    drop_deadline(*w);
    auto it = waiters_.find(user_id);
    if (it == waiters_.end()) return;
    std::erase(it->second, w);
    if (it->second.empty()) waiters_.erase(it);
}

std::unordered_set<std::string>& Notifier::users_of(const std::string& room_id) {
    auto it = room_users_.find(room_id);
    if (it != room_users_.end()) return it->second;
    auto& set = room_users_[room_id];
    for (auto& u : loader_(room_id))
        set.insert(std::move(u));
    return set;
}

void Notifier::wake_user(const std::string& user_id, Topic topic) {
    if (before_wake) before_wake();
    wake_changed_user(user_id, topic);
}

void Notifier::wake_changed_user(const std::string& user_id, Topic topic) {
    caches_.changed();
    if (topic == Topic::everything) {
        caches_.user_changed(user_id);
        if (auto it = waiters_.find(user_id); it != waiters_.end())
            for (auto& w : it->second)
                w->user_changed = true;
    }
    wake_waiters(user_id, topic);
}

void Notifier::wake_waiters(const std::string& user_id, Topic topic) {
    auto it = waiters_.find(user_id);
    if (it == waiters_.end()) return;
    for (auto& w : it->second)
        if (topic != Topic::presence || w->wants_presence) wake(*w);
}

void Notifier::wake_room(const std::string& room_id, Topic topic) {
    if (before_wake) before_wake();
    caches_.changed();
    for (const auto& u : users_of(room_id))
        wake_waiters(u, topic);
}

void Notifier::on_receipt(const std::string& room_id, const std::string& user_id) {
    if (before_wake) before_wake();
    caches_.changed();
    caches_.receipt(room_id, user_id);
    for (const auto& u : users_of(room_id))
        wake_waiters(u, Topic::everything);
}

void Notifier::on_push_actions(const std::string& room_id, std::int64_t pos,
                               const std::vector<store::PushAction>& actions) {
    caches_.changed();
    caches_.push_actions(room_id, pos, actions);
}

void Notifier::on_key_counts_changed(const std::string& user_id) {
    caches_.changed();
    caches_.key_counts_changed(user_id);
}

void Notifier::on_room_event(const std::string& room_id, const std::string* target,
                             const std::string* membership, std::optional<std::int64_t> event_pos) {
    if (before_wake) before_wake();
    caches_.changed();
    if (event_pos) caches_.room_event(room_id, *event_pos);
    if (target) caches_.user_changed(*target);
    auto& users = users_of(room_id);
    if (target && membership) {
        // The target hears about their own change (invite, join, leave) either way; only
        // joined users follow the room afterwards.
        wake_changed_user(*target, Topic::everything); // a per-user change: memberships
        if (*membership == "join")
            users.insert(*target);
        else
            users.erase(*target);
    }
    for (const auto& u : users)
        wake_waiters(u, Topic::everything);
}

void Notifier::wake_all() {
    caches_.changed();
    // Anything may have changed, the user's own tokens included: streams re-check them.
    for (auto& [u, ws] : waiters_)
        for (auto& w : ws) {
            w->user_changed = true;
            wake(*w);
        }
}

void Notifier::set_deadline(Waiter& w, Clock::time_point when) {
    w.expired = false;
    // Rounded up to 10 ms so that streams due at nearly the same moment share one firing.
    auto tick = std::chrono::milliseconds(10);
    auto since_epoch = std::chrono::ceil<std::chrono::milliseconds>(when.time_since_epoch());
    when = Clock::time_point((since_epoch + tick - std::chrono::milliseconds(1)) / tick * tick);
    if (w.deadline && (*w.deadline)->first <= when) {
        w.due = when; // the entry is moved here when it comes up
        return;
    }
    drop_deadline(w);
    w.due = when;
    w.deadline = deadlines_.emplace(when, &w);
    if (!armed_for_ || when < *armed_for_) arm_deadline_timer();
}

void Notifier::drop_deadline(Waiter& w) {
    w.due.reset();
    if (!w.deadline) return;
    deadlines_.erase(*w.deadline);
    w.deadline.reset();
    // Nothing left to wait for: cancel, so an idle server's event loop can run dry at shutdown.
    if (deadlines_.empty() && armed_for_) {
        armed_for_.reset();
        deadline_timer_.cancel();
    }
}

void Notifier::arm_deadline_timer() {
    if (deadlines_.empty()) return;
    auto when = deadlines_.begin()->first;
    armed_for_ = when;
    deadline_timer_.expires_at(when);
    deadline_timer_.async_wait([this, when](const boost::system::error_code& ec) {
        // A cancelled or superseded wait leaves the re-arming to whoever superseded it.
        if (ec || armed_for_ != when) return;
        armed_for_.reset();
        expire_due();
    });
}

void Notifier::expire_due() {
    auto now = Clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto* w = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        w->deadline.reset();
        if (!w->due) continue; // cleared since
        if (*w->due > now) {
            w->deadline = deadlines_.emplace(*w->due, w); // moved later since
            continue;
        }
        w->due.reset();
        w->expired = true;
        w->signal.notify();
    }
    arm_deadline_timer();
}

std::size_t Notifier::waiting() const {
    std::size_t n = 0;
    for (const auto& [u, ws] : waiters_)
        n += ws.size();
    return n;
}

} // namespace myelin::sync
