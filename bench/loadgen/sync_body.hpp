#pragma once
// Finds our test messages in a /sync response body (or an SSE event's data, the same JSON).
#include <cstdint>
#include <string>
#include <string_view>

namespace loadgen {

struct FoundMessage {
    std::string_view room_id;
    std::uint64_t seq;
    std::int64_t send_ns;
};

class MessageVisitor {
public:
    virtual ~MessageVisitor() = default;
    virtual void on_message(const FoundMessage& m) = 0;
};

struct SyncSummary {
    std::string next_batch;
    int limited_rooms = 0; // joined rooms whose timeline came back "limited": a gap
};

// Parses `json`; for every m.room.message in rooms.join.*.timeline.events whose body is
// "<run_id> <seq> <send_ns>", calls the visitor. False if the body is not a sync response.
bool scan_sync_body(std::string_view json, std::string_view run_id, SyncSummary& out,
                    MessageVisitor& visitor);

} // namespace loadgen
