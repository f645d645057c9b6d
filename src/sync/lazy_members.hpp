#pragma once
// Lazy-loaded members without include_redundant_members: which member event each device has
// already been sent, per room, so incremental syncs add the membership of a timeline sender only
// when the device does not have that exact event yet. "Has" means it went out in a response the
// device has since acknowledged (its `since` is at or past that response's position), so a
// response that never arrived does not count. In memory and bounded per device: after a
// restart or when a device's entry overflows, members are simply sent again (redundant, not
// wrong).
#include <cstdint>
#include <string>
#include <unordered_map>

namespace myelin::sync {

class LazyMemberCache {
public:
    void reset_device(const std::string& device_key) { devices_.erase(device_key); }
    void reset_room(const std::string& device_key, const std::string& room_id) {
        if (auto it = devices_.find(device_key); it != devices_.end())
            it->second.rooms.erase(room_id);
    }
    bool has(const std::string& device_key, const std::string& room_id, const std::string& member,
             const std::string& event_id, std::int64_t since) const {
        auto d = devices_.find(device_key);
        if (d == devices_.end()) return false;
        auto r = d->second.rooms.find(room_id);
        if (r == d->second.rooms.end()) return false;
        auto m = r->second.find(member);
        return m != r->second.end() && m->second.event_id == event_id && m->second.pos <= since;
    }
    void record(const std::string& device_key, const std::string& room_id,
                const std::string& member, const std::string& event_id, std::int64_t pos) {
        auto& d = devices_[device_key];
        if (d.entries >= kMaxPerDevice) d = Device{};
        auto& sent = d.rooms[room_id];
        if (auto it = sent.find(member); it != sent.end() && it->second.event_id == event_id)
            return; // keep the earlier (already acknowledged) position
        auto [it, fresh] = sent.insert_or_assign(member, Sent{event_id, pos});
        if (fresh) ++d.entries;
    }

private:
    static constexpr std::size_t kMaxPerDevice = 20000;
    struct Sent {
        std::string event_id;
        std::int64_t pos = 0; // next_batch of the response that carried it
    };
    struct Device {
        std::unordered_map<std::string, std::unordered_map<std::string, Sent>> rooms;
        std::size_t entries = 0;
    };
    std::unordered_map<std::string, Device> devices_;
};

} // namespace myelin::sync
