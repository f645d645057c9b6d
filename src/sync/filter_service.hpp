#pragma once
// Sync filters: validated on upload, kept per user (bounded, identical uploads share one id), and
// resolved from the `filter` parameter of /sync and /sync/sse with a small parse cache.
#include "store/filter_store.hpp"
#include "sync/sync_caches.hpp"
#include "sync/sync_filter.hpp"

#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace myelin::sync {

class FilterService {
public:
    // A user's stored filters are bounded: a client that uploads a new one at every start
    // would otherwise grow the table for good.
    static constexpr std::int64_t kMaxFiltersPerUser = 10000;

    explicit FilterService(store::FilterStore& store)
        : store_(store) {}

    // 400 M_BAD_JSON for a malformed filter, M_RESOURCE_LIMIT_EXCEEDED past the bound. The
    // same filter uploaded again gets its earlier id back and stores nothing.
    std::string save(const std::string& user_id, const boost::json::object& filter);
    std::optional<boost::json::object> load(const std::string& user_id,
                                            const std::string& filter_id);
    // The `filter` query parameter: inline JSON (starts with '{') or a stored filter id.
    SyncFilter resolve(const std::string& user_id, const std::string& param);

private:
    store::FilterStore& store_;
    SmallCache<SyncFilter> parsed_{2048};
};

} // namespace myelin::sync
