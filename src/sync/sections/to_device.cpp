// The to-device section: acknowledge what the token covers, deliver a bounded batch.
#include "sync/sync_context.hpp"

namespace myelin::sync {

ToDevicePart SyncService::to_device_section(Ctx& c) {
    const auto& req = c.req;
    // Delete what the device acknowledged, then deliver what is pending up to pos.
    auto from = c.initial ? 0 : req.since_to_device.value_or(c.since);
    if (req.since && req.acknowledges) store_.ack_to_device(req.user_id, req.device_id, from);
    ToDevicePart out;
    if (c.quiet && !req.since_to_device) return out;
    out.messages = to_device_batch(req, from, c.pos, out.cursor);
    return out;
}

// One answer carries 100 to-device messages or 1 MiB of their content at most (one message,
// however large, always fits), oldest first, cut between positions (the messages of one
// position leave together: the cursor cannot point into one). When some are left, `cursor`
// is the position delivered up to, and the token carries it.
std::vector<store::ToDeviceMessage>
SyncService::to_device_batch(const SyncRequest& req, std::int64_t after, std::int64_t upto,
                             std::optional<std::int64_t>& cursor) {
    constexpr std::int64_t kMaxMessages = 100;
    constexpr std::size_t kMaxBytes = 1 << 20;
    auto rows = store_.to_device_for(req.user_id, req.device_id, after, upto, kMaxMessages + 1);
    std::size_t keep = 0, bytes = 0;
    while (keep < rows.size() && keep < static_cast<std::size_t>(kMaxMessages) &&
           (keep == 0 || bytes + rows[keep].content.size() <= kMaxBytes))
        bytes += rows[keep++].content.size();
    if (keep == rows.size()) return rows;
    // Back to the start of the position where the cut fell, unless that leaves nothing.
    auto cut_at = rows[keep].stream_position;
    std::size_t whole = keep;
    while (whole > 0 && rows[whole - 1].stream_position == cut_at)
        --whole;
    if (whole == 0)
        while (keep < rows.size() && rows[keep].stream_position == cut_at)
            ++keep;
    else
        keep = whole;
    rows.resize(keep);
    if (!rows.empty() && rows.back().stream_position < upto) cursor = rows.back().stream_position;
    return rows;
}

} // namespace myelin::sync
