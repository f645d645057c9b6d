// The end-to-end encryption sections: device-list changes and one-time/fallback key counts.
#include "sync/sync_context.hpp"

namespace myelin::sync {

e2ee::DeviceListDelta SyncService::device_lists_section(Ctx& c) {
    // Incremental only: an initial sync tells the client nothing changed.
    if (c.initial || c.since >= c.pos) return {};
    const auto* changes = caches_.device_changes.find(c.range);
    if (!changes)
        changes = &caches_.device_changes.put(
            c.range, SyncCaches::DeviceChanges{store_.device_list_changes(c.base, c.pos),
                                               store_.member_changes(c.base, c.pos)});
    return keys_.device_list_delta(c.req.user_id, changes->key_changes, changes->member_changes);
}

const KeyCounts* SyncService::key_counts_section(Ctx& c) {
    // Cached per device until the notifier hears of an upload, claim or deleted device.
    const auto& req = c.req;
    if (const auto* cached = caches_.key_counts(req.user_id, req.device_id, c.pos)) return cached;
    if (c.own.key_counts) {
        c.loaded_key_counts = std::move(*c.own.key_counts);
    } else { // the cache lost them while the sync read its own rows
        c.loaded_key_counts.one_time = keys_.one_time_key_counts(req.user_id, req.device_id);
        c.loaded_key_counts.fallback_types =
            keys_.unused_fallback_key_types(req.user_id, req.device_id);
    }
    // Counts read on another thread may predate an upload made meanwhile (whose change then
    // emptied the cache): only counts read inline, with nothing in between, are kept.
    if (!c.own.key_counts || db_.threads() == 0)
        caches_.put_key_counts(req.user_id, req.device_id, c.loaded_key_counts);
    return &c.loaded_key_counts;
}

} // namespace myelin::sync
