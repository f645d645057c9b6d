#include "sync/sync_caches.hpp"

#include <algorithm>
#include <boost/unordered/unordered_flat_set.hpp>
#include <limits>
#include <string_view>

namespace myelin::sync {

namespace {
// Bounds on the per-user maps: past them everything is dropped (and re-read from the store).
constexpr std::size_t kMaxUnreadEntries = 200000;
constexpr std::size_t kMaxKeyEntries = 100000;
// Recent events' rooms: a sync whose `since` is older than the last this many events asks the
// store.
constexpr std::size_t kMaxRoomLog = 100000;
constexpr std::size_t kMaxJoinedEntries = 100000;
} // namespace

void SyncCaches::set_position_source(std::function<std::int64_t()> f) {
    position_ = std::move(f);
    start_ = position_ ? position_() : 0;
    users_changed_.reset(start_);
    room_log_.clear();
    room_log_floor_ = start_;
    room_last_.clear();
    joined_.clear();
}

void SyncCaches::user_changed(const std::string& user_id) {
    joined_.erase(user_id);
    // Without a position source the user is never quiet again (always ask the store).
    users_changed_.changed(user_id,
                           position_ ? position_() : std::numeric_limits<std::int64_t>::max());
}

bool SyncCaches::user_quiet(const std::string& user_id, std::int64_t since,
                            std::int64_t pos) const {
    if (!position_ || since < start_ || !complete(pos)) return false;
    return !users_changed_.may_have_changed(user_id, since);
}

bool SyncCaches::room_log_covers(std::int64_t from, std::int64_t to) const {
    return position_ && from >= room_log_floor_ && complete(to);
}

SyncCaches::RoomLog::const_iterator SyncCaches::room_log_after(std::int64_t from) const {
    return std::upper_bound(room_log_.begin(), room_log_.end(), from,
                            [](std::int64_t p, const auto& e) { return p < e.first; });
}

void SyncCaches::room_event(const std::string& room_id, std::int64_t pos) {
    auto it = unread_.find(room_id);
    if (it != unread_.end()) it->second.seen = std::max(it->second.seen, pos);
    if (pos <= room_log_floor_) return;
    // Events arrive in position order (one process stores and announces each in turn); an
    // out-of-order one is put in its place.
    auto at = room_log_.end();
    if (!room_log_.empty() && room_log_.back().first >= pos)
        at = std::lower_bound(room_log_.begin(), room_log_.end(), pos,
                              [](const auto& e, std::int64_t p) { return e.first < p; });
    if (at != room_log_.end() && at->first == pos) return;
    room_log_.emplace(at, pos, room_id);
    auto& last = room_last_[room_id];
    last = std::max(last, pos);
    while (room_log_.size() > kMaxRoomLog) {
        room_log_floor_ = room_log_.front().first;
        room_log_.pop_front();
    }
}

std::optional<std::vector<std::string>>
SyncCaches::rooms_changed_between(std::int64_t from, std::int64_t to,
                                  const std::vector<std::string>* among) const {
    if (!room_log_covers(from, to)) return std::nullopt;
    std::vector<std::string> out;
    auto it = room_log_after(from);
    // A chat user's stream wakes for one of their few rooms while the range holds the events
    // of every room since its last wake-up: the smaller side is walked.
    if (among && among->size() < static_cast<std::size_t>(room_log_.end() - it)) {
        for (const auto& room_id : *among)
            if (auto last = room_last_.find(room_id);
                last != room_last_.end() && last->second > from)
                out.push_back(room_id);
        return out;
    }
    boost::unordered_flat_set<std::string_view> seen;
    for (; it != room_log_.end() && it->first <= to; ++it)
        if (seen.insert(it->second).second) out.push_back(it->second);
    return out;
}

void SyncCaches::push_actions(const std::string& room_id, std::int64_t pos,
                              const std::vector<store::PushAction>& actions) {
    auto it = unread_.find(room_id);
    if (it == unread_.end()) return;
    auto& r = it->second;
    if (r.seen > r.accounted) {
        // An event we did not store (another process) came in between: counts are unknown.
        r.users.clear();
    } else {
        for (const auto& a : actions) {
            auto u = r.users.find(a.user_id);
            if (u == r.users.end()) continue;
            auto& c = u->second[a.thread_id];
            ++c.notifications;
            if (a.highlight) ++c.highlights;
        }
    }
    r.accounted = std::max(r.accounted, pos);
    r.seen = std::max(r.seen, pos);
}

std::optional<std::size_t> SyncCaches::room_log_entries(std::int64_t from, std::int64_t to) const {
    if (!room_log_covers(from, to)) return std::nullopt;
    auto first = room_log_after(from);
    auto end = std::upper_bound(first, room_log_.end(), to,
                                [](std::int64_t p, const auto& e) { return p < e.first; });
    return static_cast<std::size_t>(end - first);
}

const std::vector<std::string>* SyncCaches::joined_rooms(const std::string& user_id,
                                                         std::int64_t pos) const {
    if (!position_ || !complete(pos)) return nullptr;
    auto it = joined_.find(user_id);
    return it == joined_.end() ? nullptr : &it->second;
}

void SyncCaches::put_joined_rooms(const std::string& user_id, std::int64_t pos,
                                  std::vector<std::string> rooms) {
    if (!position_ || !complete(pos)) return;
    if (joined_.size() >= kMaxJoinedEntries) joined_.clear();
    joined_[user_id] = std::move(rooms);
}

void SyncCaches::receipt(const std::string& room_id, const std::string& user_id) {
    auto it = unread_.find(room_id);
    if (it != unread_.end()) it->second.users.erase(user_id);
}

std::optional<UnreadCounts> SyncCaches::unread(const std::string& user_id,
                                               const std::string& room_id, std::int64_t pos) {
    if (!complete(pos)) return std::nullopt;
    auto it = unread_.find(room_id);
    if (it == unread_.end()) {
        ++stats.unread_misses;
        return std::nullopt;
    }
    auto& r = it->second;
    if (r.seen > r.accounted) {
        r.users.clear();
        r.accounted = r.seen;
    }
    auto u = r.users.find(user_id);
    if (u == r.users.end()) {
        ++stats.unread_misses;
        return std::nullopt;
    }
    ++stats.unread_hits;
    return u->second;
}

void SyncCaches::put_unread(const std::string& user_id, const std::string& room_id,
                            std::int64_t pos, UnreadCounts counts) {
    if (!complete(pos)) return;
    std::size_t total = 0;
    for (const auto& [id, r] : unread_)
        total += r.users.size();
    if (total >= kMaxUnreadEntries) unread_.clear();
    auto& r = unread_[room_id];
    if (r.seen > r.accounted) {
        r.users.clear();
        r.accounted = r.seen;
    }
    // The counts were read from the store just now: they include every action stored so far,
    // and every event up to `pos` has reached room_event/push_actions (complete(pos)).
    r.accounted = std::max(r.accounted, pos);
    r.seen = std::max(r.seen, r.accounted);
    r.users[user_id] = std::move(counts);
}

void SyncCaches::key_counts_changed(const std::string& user_id) {
    keys_.erase(user_id);
}

const KeyCounts* SyncCaches::key_counts(const std::string& user_id, const std::string& device_id,
                                        std::int64_t) const {
    // Key counts have no stream position to check completeness against: with other processes
    // (complete_up_to set) they are always read from the store.
    if (complete_up_to) return nullptr;
    auto it = keys_.find(user_id);
    if (it == keys_.end()) return nullptr;
    auto d = it->second.find(device_id);
    return d == it->second.end() ? nullptr : &d->second;
}

void SyncCaches::put_key_counts(const std::string& user_id, const std::string& device_id,
                                KeyCounts counts) {
    if (complete_up_to) return;
    if (keys_.size() >= kMaxKeyEntries) keys_.clear();
    keys_[user_id][device_id] = std::move(counts);
}

} // namespace myelin::sync
