#pragma once
// "Has X changed since stream position P?" answered from memory: the newest position at which
// each key changed, for at most `capacity` keys. Below `earliest()` nothing is known (the
// process started there, or older entries were dropped to stay within the bound), so the
// answer is "maybe" and the caller asks the store. Counts its answers for /metrics.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace myelin::sync {

template <class Key, class Hash = std::hash<Key>> class StreamChangeCache {
public:
    StreamChangeCache(std::string name, std::size_t capacity)
        : name_(std::move(name))
        , capacity_(capacity) {}

    // Forgets everything: changes are known from `pos` on.
    void reset(std::int64_t pos) {
        by_key_.clear();
        by_pos_.clear();
        earliest_ = pos;
    }
    // `key` changed at `pos` (positions only grow, but an older one is kept as the newer).
    void changed(const Key& key, std::int64_t pos) {
        auto [it, fresh] = by_key_.try_emplace(key);
        if (!fresh) {
            if (it->second.pos >= pos) return;
            by_pos_.erase(it->second.at);
        }
        it->second.pos = pos;
        it->second.at = by_pos_.emplace(pos, key);
        while (by_key_.size() > capacity_) {
            // The oldest entry goes; nothing at or below its position is known any more.
            auto oldest = by_pos_.begin();
            if (oldest->first > earliest_) earliest_ = oldest->first;
            by_key_.erase(oldest->second);
            by_pos_.erase(oldest);
        }
    }
    // False only when `key` is known not to have changed after `since`.
    bool may_have_changed(const Key& key, std::int64_t since) const {
        if (since < earliest_) {
            ++misses_;
            return true;
        }
        ++hits_;
        auto it = by_key_.find(key);
        return it != by_key_.end() && it->second.pos > since;
    }

    const std::string& name() const { return name_; }
    std::size_t size() const { return by_key_.size(); }
    std::size_t capacity() const { return capacity_; }
    std::int64_t earliest() const { return earliest_; }
    std::uint64_t hits() const { return hits_; }     // answered from memory
    std::uint64_t misses() const { return misses_; } // too old: "maybe"

private:
    struct Entry {
        std::int64_t pos = 0;
        typename std::multimap<std::int64_t, Key>::iterator at;
    };
    std::string name_;
    std::size_t capacity_;
    std::int64_t earliest_ = 0;
    std::unordered_map<Key, Entry, Hash> by_key_;
    std::multimap<std::int64_t, Key> by_pos_;
    mutable std::uint64_t hits_ = 0, misses_ = 0;
};

} // namespace myelin::sync
