// The account-data section: the caller's global account data, and each room's (kept in the
// context for the room sections).
#include "sync/sync_context.hpp"

namespace myelin::sync {

std::vector<store::AccountDataRecord> SyncService::account_data_section(Ctx& c) {
    std::vector<store::AccountDataRecord> global;
    for (auto& r : c.own.account_data) {
        if (r.stream_position > c.pos) continue;
        if (r.room_id.empty()) {
            if (!type_allowed(c.req.filter.account_data, r.type)) continue;
            global.push_back(std::move(r));
        } else {
            c.room_account_data[r.room_id].push_back(std::move(r));
        }
    }
    return global;
}

} // namespace myelin::sync
