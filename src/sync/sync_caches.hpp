#pragma once
// What many syncs woken by the same change would otherwise each ask the store for again.
//
// Two kinds of entries:
// - Range results: pure functions of durable rows over (from, to] (rooms_changed, receipts,
//   presence, device-list changes). A reader that saw max_stream_position() == to can read every
//   row at positions <= to, so these never change once computed and are shared by every sync
//   with the same range (a fan-out wakes thousands of streams with the same since and target).
//   A few recent ranges are kept.
// - Per-user and per-room knowledge kept up to date by hooks: which users had something
//   per-user happen (account data, membership, to-device) and when, unread notification counts,
//   one-time-key counts. These hooks are called only by `Notifier` from its wake paths (see
//   notifier.hpp), so a change that wakes a sync also keeps these caches true; nothing else
//   writes them. A cache entry is only ever trusted when `complete_up_to()` covers the position
//   asked about, so a change that has been written but whose wake-up has not arrived yet (another
//   process) makes the sync ask the store instead of skipping it.
#include "store/key_store.hpp"
#include "store/records.hpp"
#include "store/room_records.hpp"
#include "sync/stream_change_cache.hpp"
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::sync {

// A small FIFO of results keyed by a string (a range, a room and a range, ...).
template <class V> class SmallCache {
public:
    explicit SmallCache(std::size_t capacity)
        : capacity_(capacity) {}
    const V* find(const std::string& key) const {
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : &it->second;
    }
    const V& put(const std::string& key, V value) {
        auto [it, inserted] = map_.insert_or_assign(key, std::move(value));
        if (inserted) {
            order_.push_back(key);
            while (order_.size() > capacity_) {
                map_.erase(order_.front());
                order_.pop_front();
            }
        }
        return it->second;
    }
    void clear() {
        map_.clear();
        order_.clear();
    }
    std::size_t size() const { return map_.size(); }

private:
    std::size_t capacity_;
    std::unordered_map<std::string, V> map_;
    std::deque<std::string> order_;
};

using UnreadCounts = std::map<std::string, store::UnreadCount>; // by thread

struct KeyCounts {
    std::map<std::string, std::int64_t> one_time;
    std::vector<std::string> fallback_types;
};

class SyncCaches {
public:
    SyncCaches() = default;

    // --- Configuration -------------------------------------------------------------------------
    // The store's newest durable position. Per-user changes are recorded at the position current
    // when their hook runs (the change is durable by then, so its own position is not later).
    // Without it nothing per-user is ever skipped.
    void set_position_source(std::function<std::int64_t()> f);
    // The position up to which every change has reached the hooks below. Default: everything
    // (one process, where each write calls its hook before the event loop does anything else).
    // Another process's writes are only covered once their wake-ups arrived: return the lowest
    // position not yet heard of minus one.
    std::function<std::int64_t()> complete_up_to;

    // --- Hooks: called by Notifier only ------------------------------------------------------
    // Every Notifier entry point calls this first: something may have been written, so the
    // remembered newest position is read again by the next sync (see max_position).
    void changed() { max_pos_.reset(); }
    // Something per-user of this user changed (account data, a membership, to-device, devices).
    void user_changed(const std::string& user_id);
    // An event at `pos` was stored in the room (by this process or another one).
    void room_event(const std::string& room_id, std::int64_t pos);
    // This process stored the push actions of the room's event at `pos` (before room_event).
    void push_actions(const std::string& room_id, std::int64_t pos,
                      const std::vector<store::PushAction>& actions);
    // A read receipt of the user in the room changed (their unread counts did).
    void receipt(const std::string& room_id, const std::string& user_id);
    // The user's one-time or fallback keys changed (upload, claim, device deleted).
    void key_counts_changed(const std::string& user_id);

    // --- Readers -----------------------------------------------------------------------------
    // The store's newest durable position, remembered until the next notifier call: the
    // thousands of syncs one change wakes read it once. A value older than the store's is
    // still a durable position (a sync answers up to it and goes on from there later), and
    // every write that a sync must see wakes it through the notifier, which forgets the value
    // before the woken syncs run.
    // A remembered value below `at_least` (a token some sync handed out after reading the
    // store itself) is stale: it is read again.
    std::int64_t max_position(const std::function<std::int64_t()>& read, std::int64_t at_least) {
        if (!max_pos_ || *max_pos_ < at_least) max_pos_ = read();
        return *max_pos_;
    }
    // The rooms with events at positions in (from, to], in the order of their first event
    // there, from memory (a log of recent events' rooms fed by room_event); nullopt when the
    // log does not cover the range (ask the store). Chat streams wake at different `since`
    // values, so these ranges are rarely shared; the log answers each one without a query.
    // With `among` (rooms the caller is joined to), when there are fewer of them than events
    // in the range: those of them with an event after `from` (an event after `to` may make one
    // appear that has none in the range; its timeline for the range is then simply empty).
    std::optional<std::vector<std::string>>
    rooms_changed_between(std::int64_t from, std::int64_t to,
                          const std::vector<std::string>* among = nullptr) const;
    // How many events the log holds in (from, to]; nullopt when it does not cover the range.
    std::optional<std::size_t> room_log_entries(std::int64_t from, std::int64_t to) const;
    // The rooms the user is joined to, remembered until something of the user's own changes
    // (user_changed: every membership change of theirs passes there). Null when not known.
    const std::vector<std::string>* joined_rooms(const std::string& user_id,
                                                 std::int64_t pos) const;
    void put_joined_rooms(const std::string& user_id, std::int64_t pos,
                          std::vector<std::string> rooms);
    // True when nothing per-user of this user can have happened in (since, pos].
    bool user_quiet(const std::string& user_id, std::int64_t since, std::int64_t pos) const;
    std::optional<UnreadCounts> unread(const std::string& user_id, const std::string& room_id,
                                       std::int64_t pos);
    void put_unread(const std::string& user_id, const std::string& room_id, std::int64_t pos,
                    UnreadCounts counts);
    const KeyCounts* key_counts(const std::string& user_id, const std::string& device_id,
                                std::int64_t pos) const;
    void put_key_counts(const std::string& user_id, const std::string& device_id, KeyCounts counts);

    // Range results, keyed "from:to".
    SmallCache<std::vector<std::string>> rooms_changed{8};
    SmallCache<std::vector<store::ReceiptRecord>> receipts{8};
    SmallCache<std::vector<store::PresenceRecord>> presence{8};
    struct DeviceChanges {
        std::vector<std::string> key_changes;
        std::vector<store::MemberChange> member_changes;
    };
    SmallCache<DeviceChanges> device_changes{8};

    struct Stats {
        std::uint64_t user_quiet = 0, user_asked = 0, unread_hits = 0, unread_misses = 0;
    };
    Stats stats;

private:
    using RoomLog = std::deque<std::pair<std::int64_t, std::string>>;
    bool complete(std::int64_t pos) const { return !complete_up_to || pos <= complete_up_to(); }
    // Whether the room log holds every event in (from, to]; its first entry after `from`.
    bool room_log_covers(std::int64_t from, std::int64_t to) const;
    RoomLog::const_iterator room_log_after(std::int64_t from) const;

    std::function<std::int64_t()> position_;
    std::optional<std::int64_t> max_pos_;
    std::int64_t start_ = 0; // positions at or before it: unknown, ask the store
    // Who had a change of their own, and when: bounded (a server's every user would otherwise
    // stay in it); a user dropped from it is simply asked about again.
    StreamChangeCache<std::string> users_changed_{"user_changes", 100000};
    // (position, room) of every event heard of through room_event, in position order, and the
    // position at or below which it is incomplete (process start, or what was trimmed).
    RoomLog room_log_;
    std::int64_t room_log_floor_ = 0;
    boost::unordered_flat_map<std::string, std::int64_t> room_last_; // room → newest in the log
    boost::unordered_flat_map<std::string, std::vector<std::string>> joined_;

    struct RoomUnread {
        std::int64_t seen = 0;      // newest event position heard of through room_event
        std::int64_t accounted = 0; // push actions up to here are in `users`
        std::unordered_map<std::string, UnreadCounts> users;
    };
    std::unordered_map<std::string, RoomUnread> unread_;
    std::unordered_map<std::string, std::unordered_map<std::string, KeyCounts>> keys_;
};

} // namespace myelin::sync
