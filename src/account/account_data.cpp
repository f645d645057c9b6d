#include "account/account_data.hpp"
#include "util/json_fields.hpp"

#include "util/matrix_error.hpp"

namespace myelin::account {

namespace json = boost::json;

void AccountDataService::changed(const std::string& user_id, std::int64_t pos) {
    feed::Change c{feed::Kind::account_data, feed::Origin::here, pos};
    c.user = user_id;
    feed_.publish(c);
}

void AccountDataService::put(const std::string& user_id, const std::string& room_id,
                             const std::string& type, const json::object& content) {
    // Server-managed types cannot be written through this endpoint (spec v1.10+).
    if (type == "m.fully_read" || type == "m.push_rules")
        throw MatrixError(405, errcode::bad_json, "Cannot set " + type + " through this API");
    // Every entry goes into the user's initial syncs: a user's are bounded (a new type past
    // the bound is refused; the existing ones can still be changed).
    constexpr std::int64_t kMaxEntries = 10000;
    if (!store_.get_account_data(user_id, room_id, type) &&
        store_.count_account_data(user_id) >= kMaxEntries)
        throw MatrixError(400, errcode::resource_limit_exceeded,
                          "A user may keep at most 10000 account data entries");
    auto pos = store_.put_account_data(user_id, room_id, type, json::serialize(content));
    changed(user_id, pos);
}

void AccountDataService::put_managed(const std::string& user_id, const std::string& room_id,
                                     const std::string& type, const json::object& content) {
    auto pos = store_.put_account_data(user_id, room_id, type, json::serialize(content));
    changed(user_id, pos);
}

std::optional<json::object> AccountDataService::get(const std::string& user_id,
                                                    const std::string& room_id,
                                                    const std::string& type) {
    auto text = store_.get_account_data(user_id, room_id, type);
    if (!text) return std::nullopt;
    auto v = json_fields::parse_stored(*text);
    return v.as_object();
}

json::object AccountDataService::tags(const std::string& user_id, const std::string& room_id) {
    auto t = get(user_id, room_id, "m.tag");
    if (t)
        if (auto* tags = t->if_contains("tags"); tags && tags->is_object())
            return tags->get_object();
    return {};
}

void AccountDataService::put_tag(const std::string& user_id, const std::string& room_id,
                                 const std::string& tag, const json::object& content) {
    auto all = tags(user_id, room_id);
    all[tag] = content;
    auto pos = store_.put_account_data(user_id, room_id, "m.tag",
                                       json::serialize(json::object{{"tags", std::move(all)}}));
    changed(user_id, pos);
}

void AccountDataService::delete_tag(const std::string& user_id, const std::string& room_id,
                                    const std::string& tag) {
    auto all = tags(user_id, room_id);
    all.erase(tag);
    auto pos = store_.put_account_data(user_id, room_id, "m.tag",
                                       json::serialize(json::object{{"tags", std::move(all)}}));
    changed(user_id, pos);
}

} // namespace myelin::account
