#pragma once
// Client-format events serialized once and shared by every sync response that carries them.
// The per-device part (unsigned.transaction_id) is spliced in when a response is written.
#include "room/room_reader.hpp"
#include <deque>
#include <memory>
#include <unordered_map>

namespace myelin::sync {

struct SerializedEvent {
    std::string head; // the event object's JSON without `unsigned` and without the closing '}'
    boost::json::object unsigned_;
    std::string sender;
    std::string type;
    std::size_t bytes = 0; // what it costs the cache, measured once
};

class EventCache {
public:
    // Bounded by count and by bytes: events may be 64 KiB each, so 50,000 of them could hold
    // gigabytes; `max_bytes` counts each entry's JSON and strings.
    EventCache(room::RoomReader& reader, std::size_t capacity = 50000,
               std::size_t max_bytes = 64 << 20)
        : reader_(reader)
        , capacity_(capacity)
        , max_bytes_(max_bytes) {}

    std::shared_ptr<const SerializedEvent> get(const store::StoredEvent& row,
                                               const event::RoomVersion& v);
    // Forget an event (it was redacted: its client form changed).
    void invalidate(const std::string& event_id);

    // Appends the complete event JSON for a reader (adds transaction_id when given).
    static void write(std::string& out, const SerializedEvent& e,
                      const std::optional<std::string>& txn_id);

    std::size_t size() const { return map_.size(); }
    std::size_t bytes() const { return bytes_; }
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }

private:
    room::RoomReader& reader_;
    static std::size_t measure(const SerializedEvent& e);
    void erase(const std::string& event_id);

    std::size_t capacity_, max_bytes_, bytes_ = 0;
    std::unordered_map<std::string, std::shared_ptr<const SerializedEvent>> map_;
    std::deque<std::string> order_; // insertion order, for eviction
    std::uint64_t hits_ = 0, misses_ = 0;
};

} // namespace myelin::sync
