// The to-device section: what is pending for the device (acknowledged and read in
// fetch_own_step), cut to a bounded batch.
#include "sync/sync_context.hpp"

namespace myelin::sync {

ToDevicePart SyncService::to_device_section(Ctx& c) {
    ToDevicePart out;
    out.messages = to_device_batch(std::move(c.own.to_device), c.pos, out.cursor);
    return out;
}

// One answer carries kToDeviceBatch messages or 1 MiB of their content at most (one message,
// however large, always fits), oldest first, cut between positions (the messages of one
// position leave together: the cursor cannot point into one). `rows` holds up to one more than
// the batch, oldest first. When some are left, `cursor` is the position delivered up to, and
// the token carries it.
std::vector<store::ToDeviceMessage>
SyncService::to_device_batch(std::vector<store::ToDeviceMessage> rows, std::int64_t upto,
                             std::optional<std::int64_t>& cursor) {
    constexpr std::size_t kMaxBytes = 1 << 20;
    std::size_t keep = 0, bytes = 0;
    while (keep < rows.size() && keep < static_cast<std::size_t>(kToDeviceBatch) &&
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
