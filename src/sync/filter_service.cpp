#include "sync/filter_service.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace myelin::sync {

namespace json = boost::json;

std::string FilterService::save(const std::string& user_id, const json::object& filter) {
    SyncFilter::parse(filter); // M_BAD_JSON for a malformed filter
    auto text = json::serialize(filter);
    if (auto id = store_.find_filter(user_id, text)) return std::to_string(*id);
    if (store_.count_filters(user_id) >= kMaxFiltersPerUser)
        throw MatrixError(400, errcode::resource_limit_exceeded,
                          "A user may keep at most " + std::to_string(kMaxFiltersPerUser) +
                              " filters");
    return std::to_string(store_.put_filter(user_id, text));
}

std::optional<json::object> FilterService::load(const std::string& user_id,
                                                const std::string& filter_id) {
    if (filter_id.empty() || filter_id.size() > 18 ||
        !std::all_of(filter_id.begin(), filter_id.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; }))
        return std::nullopt;
    auto text = store_.get_filter(user_id, std::stoll(filter_id));
    if (!text) return std::nullopt;
    return json_fields::parse_stored(*text).as_object();
}

SyncFilter FilterService::resolve(const std::string& user_id, const std::string& param) {
    // Filter ids are numbered per user: the key must hold the user.
    auto key = user_id + '\n' + param;
    if (const auto* hit = parsed_.find(key)) return *hit;
    if (!param.empty() && param.front() == '{') {
        auto parsed = SyncFilter::parse(json_fields::parse_object(param));
        // Inline filters are the client's text: only short ones are kept (bounded memory).
        return param.size() <= 2048 ? parsed_.put(key, std::move(parsed)) : parsed;
    }
    auto stored = load(user_id, param);
    if (!stored) throw invalid_param("Unknown filter id");
    return parsed_.put(key, SyncFilter::parse(*stored));
}

} // namespace myelin::sync
