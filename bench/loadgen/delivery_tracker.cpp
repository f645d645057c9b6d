#include "delivery_tracker.hpp"

namespace loadgen {

DeliveryTracker::DeliveryTracker(const std::vector<std::string>& room_ids,
                                 const std::vector<std::vector<std::uint32_t>>& receivers,
                                 std::uint32_t client_count)
    : room_ids_(room_ids)
    , receivers_(receivers)
    , client_rooms_(client_count) {
    for (std::uint32_t r = 0; r < room_ids_.size(); ++r) {
        room_index_.emplace(room_ids_[r], r);
        for (std::uint32_t pos = 0; pos < receivers_[r].size(); ++pos)
            client_rooms_[receivers_[r][pos]].emplace_back(r, pos);
    }
}

std::uint64_t DeliveryTracker::add_message(std::uint32_t room) {
    msgs_.push_back(
        Msg{room, State::in_flight, std::vector<std::uint8_t>(receivers_[room].size(), 0)});
    ++in_flight_;
    return msgs_.size() - 1;
}

void DeliveryTracker::sent_ok(std::uint64_t seq) {
    auto& m = msgs_[seq];
    if (m.state != State::in_flight) return;
    m.state = State::ok;
    --in_flight_;
    expected_ += m.copies.size();
}

void DeliveryTracker::send_failed(std::uint64_t seq) {
    auto& m = msgs_[seq];
    if (m.state != State::in_flight) return;
    m.state = State::failed;
    --in_flight_;
    for (auto c : m.copies)
        if (c) ++after_failed_;
    // Those copies were counted as deliveries when they came; take them back out.
    for (auto c : m.copies)
        if (c) --delivered_;
}

void DeliveryTracker::on_receive(std::uint32_t client, std::string_view room_id, std::uint64_t seq,
                                 std::int64_t send_ns, std::int64_t recv_ns) {
    auto it = room_index_.find(std::string(room_id));
    if (seq >= msgs_.size() || it == room_index_.end() || msgs_[seq].room != it->second) {
        ++unexpected_;
        return;
    }
    auto& m = msgs_[seq];
    const std::pair<std::uint32_t, std::uint32_t>* slot = nullptr;
    for (const auto& rp : client_rooms_[client])
        if (rp.first == m.room) slot = &rp;
    if (!slot) {
        ++unexpected_;
        return;
    }
    auto& copies = m.copies[slot->second];
    if (copies < 255) ++copies;
    if (copies > 1) {
        ++duplicates_;
        return;
    }
    if (m.state == State::failed) {
        ++after_failed_;
        return;
    }
    ++delivered_;
    latencies_.push_back(recv_ns - send_ns);
}

std::uint64_t DeliveryTracker::missing() const {
    std::uint64_t n = 0;
    for (const auto& m : msgs_)
        if (m.state == State::ok)
            for (auto c : m.copies)
                if (c == 0) ++n;
    return n;
}

std::vector<std::string> DeliveryTracker::missing_examples(std::size_t max) const {
    std::vector<std::string> out;
    for (std::size_t s = 0; s < msgs_.size() && out.size() < max; ++s) {
        const auto& m = msgs_[s];
        if (m.state != State::ok) continue;
        for (std::size_t p = 0; p < m.copies.size() && out.size() < max; ++p)
            if (m.copies[p] == 0)
                out.push_back("seq " + std::to_string(s) + " in " + room_ids_[m.room] +
                              " to client " + std::to_string(receivers_[m.room][p]));
    }
    return out;
}

} // namespace loadgen
