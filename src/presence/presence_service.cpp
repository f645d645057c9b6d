#include "presence/presence_service.hpp"

#include "util/clock.hpp"
#include "util/matrix_error.hpp"

namespace myelin::presence {

namespace json = boost::json;
using std::chrono::steady_clock;

namespace {
// "currently_active": seen within this long.
constexpr std::int64_t kCurrentlyActiveMs = 60'000;
// How long presence changes gather before they wake anyone.
constexpr auto kWakeBatch = std::chrono::milliseconds(250);
} // namespace

PresenceService::PresenceService(store::AccountStore& store, boost::asio::any_io_executor ex,
                                 feed::ChangeFeed& feed, std::chrono::seconds offline_after,
                                 bool enabled)
    : store_(store)
    , feed_(feed)
    , timer_(ex)
    , flush_timer_(ex)
    , offline_after_(offline_after)
    , enabled_(enabled) {}

void PresenceService::start() {
    if (enabled_ && !stopped_) arm();
}

void PresenceService::arm() {
    // A quarter of the timeout: a user goes offline between 1x and 1.25x offline_after.
    timer_.expires_after(
        std::max<std::chrono::seconds>(offline_after_ / 4, std::chrono::seconds(1)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        sweep();
        arm();
    });
}

store::PresenceRecord& PresenceService::cached(const std::string& user_id) {
    auto it = records_.find(user_id);
    if (it == records_.end()) {
        auto stored = store_.get_presence(user_id);
        store::PresenceRecord r;
        if (stored)
            r = *stored;
        else
            r.user_id = user_id;
        it = records_.emplace(user_id, std::move(r)).first;
    }
    return it->second;
}

void PresenceService::change(store::PresenceRecord& r, const std::string& state,
                             const std::optional<std::string>& status_msg) {
    if (r.state == state && r.status_msg == status_msg) return;
    r.state = state;
    r.status_msg = status_msg;
    r.stream_position = store_.put_presence(r);
    if (r.stream_position > 0) presence_only_.add(r.stream_position);
    pending_.push_back(r.user_id);
    schedule_flush();
}

void PresenceService::schedule_flush() {
    if (pending_.size() + remote_pending_.size() != 1 || stopped_) return; // armed already
    flush_timer_.expires_after(kWakeBatch);
    flush_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) flush();
    });
}

void PresenceService::flush() {
    auto users = std::move(pending_);
    pending_.clear();
    auto remote = std::move(remote_pending_);
    remote_pending_.clear();
    for (auto* batch : {&users, &remote}) {
        if (batch->empty()) continue;
        feed::Change c{feed::Kind::presence,
                       batch == &users ? feed::Origin::here : feed::Origin::other_process};
        c.users = *batch;
        feed_.publish(c);
    }
}

void PresenceService::apply_remote(const std::vector<std::string>& user_ids) {
    if (!enabled_) return;
    for (const auto& user : user_ids) {
        auto stored = store_.get_presence(user);
        if (!stored) continue;
        auto& r = cached(user);
        if (stored->stream_position <= r.stream_position) continue; // ours, or seen
        r = *stored;
        if (auto a = active_.find(user);
            r.state == "offline" && a != active_.end() && a->second.open_syncs > 0) {
            change(r, "online", r.status_msg);
            continue;
        }
        remote_pending_.push_back(user);
        schedule_flush();
    }
}

void PresenceService::set(const std::string& user_id, const std::string& state,
                          const std::optional<std::string>& status_msg) {
    if (state != "online" && state != "unavailable" && state != "offline")
        throw invalid_param("presence must be online, unavailable or offline");
    auto& r = cached(user_id);
    r.last_active_ts = util::now_ms(); // setting one's presence is activity
    if (state != "offline") {
        // Counts as activity, so it times out like a sync that ended now.
        active_[user_id].last_end = steady_clock::now();
    }
    change(r, state, status_msg);
}

json::object PresenceService::content(const store::PresenceRecord& r) const {
    json::object c{{"presence", r.state}};
    if (r.last_active_ts > 0) {
        auto ago = std::max<std::int64_t>(util::now_ms() - r.last_active_ts, 0);
        c["last_active_ago"] = ago;
        c["currently_active"] = r.state == "online" && ago < kCurrentlyActiveMs;
    }
    if (r.status_msg) c["status_msg"] = *r.status_msg;
    return c;
}

json::object PresenceService::content(const std::string& user_id) {
    return content(cached(user_id));
}

std::optional<store::PresenceRecord> PresenceService::record(const std::string& user_id) {
    auto& r = cached(user_id);
    if (r.stream_position == 0) return std::nullopt; // never had any presence
    return r;
}

void PresenceService::sync_started(const std::string& user_id, const std::string& set_presence) {
    if (!enabled_ || set_presence == "offline") return;
    ++active_[user_id].open_syncs;
    auto& r = cached(user_id);
    r.last_active_ts = util::now_ms();
    // An explicit "unavailable" is kept by plain online syncs (the client set it on purpose);
    // only an offline user comes online by syncing.
    if (set_presence == "unavailable" || r.state == "offline")
        change(r, set_presence, r.status_msg);
}

void PresenceService::sync_ended(const std::string& user_id) {
    auto it = active_.find(user_id);
    if (it == active_.end()) return;
    if (it->second.open_syncs > 0) --it->second.open_syncs;
    it->second.last_end = steady_clock::now();
}

void PresenceService::sweep() {
    auto now = steady_clock::now();
    for (auto it = active_.begin(); it != active_.end();) {
        if (it->second.open_syncs > 0 || now - it->second.last_end < offline_after_) {
            ++it;
            continue;
        }
        auto user = it->first;
        it = active_.erase(it);
        auto& r = cached(user);
        change(r, "offline", r.status_msg);
    }
}

} // namespace myelin::presence
