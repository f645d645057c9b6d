#include "api/sync_request.hpp"

#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
bool bool_param(const Request& req, std::string_view name) {
    const auto* v = req.query_param(name);
    if (!v) return false;
    if (*v == "true") return true;
    if (*v == "false") return false;
    throw invalid_param(std::string(name) + " must be true or false");
}
} // namespace

// Shared by /sync and /sync/sse: everything but since/timeout.
sync::SyncRequest sync_request(Services& s, const Request& req, const account::Auth& auth) {
    sync::SyncRequest r;
    r.user_id = auth.user_id;
    r.device_id = auth.device_id;
    if (const auto* f = req.query_param("filter")) r.filter = s.filters.resolve(auth.user_id, *f);
    r.full_state = bool_param(req, "full_state");
    r.use_state_after = bool_param(req, "use_state_after");
    if (const auto* p = req.query_param("set_presence")) {
        if (*p != "online" && *p != "offline" && *p != "unavailable")
            throw invalid_param("set_presence must be online, offline or unavailable");
        r.set_presence = *p;
    }
    return r;
}

} // namespace myelin::api
