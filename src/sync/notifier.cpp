#include "sync/notifier.hpp"

#include <algorithm>

namespace myelin::sync {

std::shared_ptr<Notifier::Waiter> Notifier::subscribe(const std::string& user_id) {
    auto w = std::make_shared<Waiter>(ex_);
    waiters_[user_id].push_back(w);
    return w;
}

void Notifier::unsubscribe(const std::string& user_id, const std::shared_ptr<Waiter>& w) {
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

void Notifier::wake_user(const std::string& user_id) {
    auto it = waiters_.find(user_id);
    if (it == waiters_.end()) return;
    for (auto& w : it->second) {
        w->woken = true;
        w->timer.cancel();
    }
}

void Notifier::on_room_event(const std::string& room_id, const std::string* target,
                             const std::string* membership) {
    auto& users = users_of(room_id);
    if (target && membership) {
        // The target hears about their own change (invite, join, leave) either way; only
        // joined users follow the room afterwards.
        wake_user(*target);
        if (*membership == "join")
            users.insert(*target);
        else
            users.erase(*target);
    }
    for (const auto& u : users)
        wake_user(u);
}

void Notifier::wake_all() {
    for (auto& [u, ws] : waiters_)
        for (auto& w : ws) {
            w->woken = true;
            w->timer.cancel();
        }
}

std::size_t Notifier::waiting() const {
    std::size_t n = 0;
    for (const auto& [u, ws] : waiters_)
        n += ws.size();
    return n;
}

} // namespace myelin::sync
