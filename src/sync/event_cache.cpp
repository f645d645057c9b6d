#include "sync/event_cache.hpp"

namespace myelin::sync {

namespace json = boost::json;

std::shared_ptr<const SerializedEvent> EventCache::get(const store::StoredEvent& row,
                                                       const event::RoomVersion& v) {
    if (auto it = map_.find(row.event_id); it != map_.end()) {
        ++hits_;
        return it->second;
    }
    ++misses_;
    auto obj = reader_.to_client(row, v);
    // A sync response names the room once, as the key its events sit under: the spec's
    // ClientEventWithoutRoomID (about 45 bytes less per event, on every stream it reaches).
    obj.erase("room_id");
    auto e = std::make_shared<SerializedEvent>();
    if (auto* u = obj.if_contains("unsigned"); u && u->is_object()) e->unsigned_ = u->get_object();
    obj.erase("unsigned");
    e->head = json::serialize(obj);
    e->head.pop_back(); // the closing '}'
    e->sender = row.sender;
    e->type = row.type;
    e->bytes = measure(*e);
    auto need = e->bytes;
    while ((map_.size() >= capacity_ || bytes_ + need > max_bytes_) && !order_.empty()) {
        erase(order_.front());
        order_.pop_front();
    }
    order_.push_back(row.event_id);
    map_.emplace(row.event_id, e);
    bytes_ += need;
    return e;
}

std::size_t EventCache::measure(const SerializedEvent& e) {
    // The strings' bytes, `unsigned` as serialized, and a map node's and key's overhead.
    return e.head.size() + e.sender.size() + e.type.size() +
           (e.unsigned_.empty() ? 0 : json::serialize(e.unsigned_).size()) + 160;
}

void EventCache::erase(const std::string& event_id) {
    if (auto it = map_.find(event_id); it != map_.end()) {
        bytes_ -= it->second->bytes;
        map_.erase(it);
    }
}

void EventCache::invalidate(const std::string& event_id) {
    erase(event_id);
}

void EventCache::write(std::string& out, const SerializedEvent& e,
                       const std::optional<std::string>& txn_id) {
    out += e.head;
    if (!e.unsigned_.empty() || txn_id) {
        json::object u = e.unsigned_;
        if (txn_id) u["transaction_id"] = *txn_id;
        out += ",\"unsigned\":";
        out += json::serialize(u);
    }
    out.push_back('}');
}

} // namespace myelin::sync
