#pragma once
// Per-user account data, global and per room, including room tags (stored as m.tag).
#include "feed/change_feed.hpp"
#include "store/store.hpp"
#include <boost/json.hpp>

namespace myelin::account {

class AccountDataService {
public:
    // Every write is published to `feed` (Kind::account_data, with its stream position).
    AccountDataService(store::AccountDataStore& store, feed::ChangeFeed& feed)
        : store_(store)
        , feed_(feed) {}

    // `room_id` empty for global data.
    void put(const std::string& user_id, const std::string& room_id, const std::string& type,
             const boost::json::object& content);
    // The users who have account data of this type.
    std::vector<std::string> owners(const std::string& room_id, const std::string& type) {
        return store_.account_data_owners(room_id, type);
    }
    std::optional<boost::json::object> get(const std::string& user_id, const std::string& room_id,
                                           const std::string& type);

    // For server-managed types (m.push_rules, m.fully_read) written by their own services.
    void put_managed(const std::string& user_id, const std::string& room_id,
                     const std::string& type, const boost::json::object& content);

    boost::json::object tags(const std::string& user_id, const std::string& room_id);
    void put_tag(const std::string& user_id, const std::string& room_id, const std::string& tag,
                 const boost::json::object& content);
    void delete_tag(const std::string& user_id, const std::string& room_id, const std::string& tag);

private:
    void changed(const std::string& user_id, std::int64_t pos);

    store::AccountDataStore& store_;
    feed::ChangeFeed& feed_;
};

} // namespace myelin::account
