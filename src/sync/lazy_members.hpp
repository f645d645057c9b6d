#pragma once
// Lazy-loaded members without include_redundant_members: which member event each device has
// already been sent, per room, so incremental syncs add the membership of a timeline sender only
// when the device does not have that exact event yet. "Has" means it went out in a response the
// device has since acknowledged (its `since` is at or past that response's position), so a
// response that never arrived does not count. In memory and bounded per device: after a
// restart or when a device's entry overflows, members are simply sent again (redundant, not
// wrong).
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace myelin::sync {

class LazyMemberCache {
public:
    void reset_device(const std::string& device_key) { devices_.erase(device_key); }
    void reset_room(const std::string& device_key, const std::string& room_id) {
        auto d = devices_.find(device_key);
        if (d == devices_.end()) return;
        // Usually nothing to do (an initial sync resets every room of a device it just reset):
        // the walk over the device's entries happens only when the room has some.
        auto n = d->second.per_room.find(hash_of(room_id));
        if (n == d->second.per_room.end()) return;
        boost::unordered::erase_if(
            d->second.sent, [room = n->first](const auto& kv) { return kv.second.room == room; });
        d->second.per_room.erase(n);
    }
    bool has(const std::string& device_key, const std::string& room_id, const std::string& member,
             const std::string& event_id, std::int64_t since) const {
        auto d = devices_.find(device_key);
        if (d == devices_.end()) return false;
        auto m = d->second.sent.find(key_of(hash_of(room_id), member));
        return m != d->second.sent.end() && m->second.event_id == event_id &&
               m->second.pos <= since;
    }
    void record(const std::string& device_key, const std::string& room_id,
                const std::string& member, const std::string& event_id, std::int64_t pos) {
        auto& d = devices_[device_key];
        if (d.sent.size() >= kMaxPerDevice) d = Device{};
        auto room = hash_of(room_id);
        auto [it, fresh] = d.sent.try_emplace(key_of(room, member));
        if (!fresh && it->second.event_id == event_id)
            return;                            // keep the earlier (already acknowledged) position
        if (!fresh && it->second.room != room) // a pair of another room that shares the hash
            if (auto n = d.per_room.find(it->second.room);
                n != d.per_room.end() && --n->second == 0)
                d.per_room.erase(n);
        if (fresh || it->second.room != room) ++d.per_room[room];
        it->second = Sent{event_id, pos, room};
    }
    std::size_t entries(const std::string& device_key) const {
        auto d = devices_.find(device_key);
        return d == devices_.end() ? 0 : d->second.sent.size();
    }

private:
    static constexpr std::size_t kMaxPerDevice = 20000; // entries
    // Keyed by a hash of (room, member): one flat lookup per check instead of a map per room
    // of string-keyed maps (a check per woken sync was three cache-missing string lookups).
    // Two pairs that share a hash share an entry and evict each other, which only makes a
    // member event be sent again: an entry answers "has" only for the exact event id stored,
    // and a member event belongs to one (room, member) pair.
    static std::uint64_t hash_of(const std::string& s) { return std::hash<std::string>{}(s); }
    static std::uint64_t key_of(std::uint64_t room, const std::string& member) {
        return room * 0x9E3779B97F4A7C15ull ^ hash_of(member);
    }
    struct Sent {
        std::string event_id;
        std::int64_t pos = 0;   // next_batch of the response that carried it
        std::uint64_t room = 0; // hash_of(room_id), for reset_room
    };
    struct Device {
        boost::unordered_flat_map<std::uint64_t, Sent> sent;
        boost::unordered_flat_map<std::uint64_t, std::uint32_t> per_room; // entries per room hash
    };
    std::unordered_map<std::string, Device> devices_;
};

} // namespace myelin::sync
