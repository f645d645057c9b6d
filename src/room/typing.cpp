#include "room/typing.hpp"

#include <algorithm>

namespace myelin::room {

using clock = std::chrono::steady_clock;

namespace {
std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
} // namespace

std::int64_t TypingService::serial() const {
    return std::max(serial_, now_us());
}

void TypingService::changed(const std::string& room_id, RoomTyping& r, feed::Origin origin) {
    // Past every token handed out so far (they carry at most now_us()).
    serial_ = std::max(serial_, now_us()) + 1;
    r.serial = serial_;
    feed::Change c{feed::Kind::typing, origin};
    c.room = room_id;
    feed_.publish(c);
}

void TypingService::set(const std::string& room_id, const std::string& user_id, bool typing,
                        std::chrono::milliseconds timeout) {
    feed::Change c{feed::Kind::typing_set};
    c.room = room_id;
    c.user = user_id;
    c.typing = typing;
    c.timeout = timeout;
    feed_.publish(c);
    update(room_id, user_id, typing, timeout, feed::Origin::here);
}

void TypingService::apply_remote(const std::string& room_id, const std::string& user_id,
                                 bool typing, std::chrono::milliseconds timeout) {
    update(room_id, user_id, typing, timeout, feed::Origin::other_process);
}

void TypingService::update(const std::string& room_id, const std::string& user_id, bool typing,
                           std::chrono::milliseconds timeout, feed::Origin origin) {
    auto& r = rooms_[room_id];
    if (typing) {
        bool was = r.until.count(user_id) > 0;
        r.until[user_id] = clock::now() + timeout;
        if (!was) changed(room_id, r, origin);
        schedule_sweep();
    } else if (r.until.erase(user_id)) {
        changed(room_id, r, origin);
    }
}

std::vector<std::string> TypingService::typers(const std::string& room_id) const {
    std::vector<std::string> out;
    if (auto it = rooms_.find(room_id); it != rooms_.end())
        for (const auto& [u, t] : it->second.until)
            out.push_back(u);
    return out;
}

std::optional<std::vector<std::string>>
TypingService::changed_since(const std::string& room_id, std::int64_t since_serial) const {
    auto it = rooms_.find(room_id);
    if (it == rooms_.end()) return std::nullopt;
    if (it->second.serial > since_serial) return typers(room_id);
    return std::nullopt;
}

std::vector<std::string> TypingService::rooms_changed_since(std::int64_t since_serial) const {
    std::vector<std::string> out;
    for (const auto& [room, r] : rooms_)
        if (r.serial > since_serial) out.push_back(room);
    return out;
}

void TypingService::schedule_sweep() {
    if (sweeping_ || stopped_) return;
    sweeping_ = true;
    sweep_.expires_after(std::chrono::seconds(1));
    sweep_.async_wait([this](const boost::system::error_code& ec) {
        sweeping_ = false;
        if (!ec) sweep();
    });
}

void TypingService::sweep() {
    auto now = clock::now();
    bool any = false;
    for (auto& [room, r] : rooms_) {
        bool removed = std::erase_if(r.until, [&](const auto& kv) { return kv.second <= now; }) > 0;
        if (removed) changed(room, r, feed::Origin::here); // each process expires its own copy
        any = any || !r.until.empty();
    }
    if (any) schedule_sweep();
}

} // namespace myelin::room
