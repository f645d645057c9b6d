#pragma once
// Which test message reached which receiver, how many times and how late: the exactly-once
// check (every receiving member of a room gets every message sent to it once) and latency.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace loadgen {

class DeliveryTracker {
public:
    // `receivers[r]`: the receiving clients that are members of room r (ids given in the same
    // order as `room_ids`).
    DeliveryTracker(const std::vector<std::string>& room_ids,
                    const std::vector<std::vector<std::uint32_t>>& receivers,
                    std::uint32_t client_count);

    // A message about to be sent to room `room`; returns its sequence number.
    std::uint64_t add_message(std::uint32_t room);
    void sent_ok(std::uint64_t seq);
    void send_failed(std::uint64_t seq);
    void on_receive(std::uint32_t client, std::string_view room_id, std::uint64_t seq,
                    std::int64_t send_ns, std::int64_t recv_ns);

    std::uint64_t messages() const { return msgs_.size(); }
    std::uint64_t in_flight() const { return in_flight_; }
    // Deliveries the acknowledged sends call for, and how many of them arrived (first copies).
    std::uint64_t expected() const { return expected_; }
    std::uint64_t delivered() const { return delivered_; }
    std::uint64_t duplicates() const { return duplicates_; }
    // Copies that match no message or arrive at a client that is not in the room.
    std::uint64_t unexpected() const { return unexpected_; }
    std::uint64_t delivered_after_failed_send() const { return after_failed_; }
    // Acknowledged sends' deliveries that never came; meaningful once everything has drained.
    std::uint64_t missing() const;
    // Latencies (ns) of first copies.
    std::vector<std::int64_t>& latencies_ns() { return latencies_; }
    // Up to `max` (room, seq, client) triples that are missing, for the report.
    std::vector<std::string> missing_examples(std::size_t max) const;

private:
    enum class State : std::uint8_t { in_flight, ok, failed };
    struct Msg {
        std::uint32_t room;
        State state = State::in_flight;
        std::vector<std::uint8_t> copies; // per receiver of the room
    };

    std::vector<std::string> room_ids_;
    std::unordered_map<std::string, std::uint32_t> room_index_;
    std::vector<std::vector<std::uint32_t>> receivers_;
    // Per client: (room, position among that room's receivers).
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> client_rooms_;
    std::vector<Msg> msgs_;
    std::vector<std::int64_t> latencies_;
    std::uint64_t in_flight_ = 0, expected_ = 0, delivered_ = 0, duplicates_ = 0, unexpected_ = 0,
                  after_failed_ = 0;
};

} // namespace loadgen
