#pragma once
// Account data (room_id empty: global). Each write takes a stream position.
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class AccountDataStore {
public:
    virtual ~AccountDataStore() = default;

    // Account data (room_id empty: global). Each write takes a stream position.
    virtual std::int64_t put_account_data(const std::string& user_id, const std::string& room_id,
                                          const std::string& type, const std::string& content) = 0;
    // Entries of a user's account data, global and per room.
    virtual std::int64_t count_account_data(const std::string& user_id) = 0;
    virtual std::optional<std::string> get_account_data(const std::string& user_id,
                                                        const std::string& room_id,
                                                        const std::string& type) = 0;
    virtual std::vector<AccountDataRecord> account_data_since(const std::string& user_id,
                                                              std::int64_t after) = 0;
    // The users who have account data of this type (in this room; "" for global).
    virtual std::vector<std::string> account_data_owners(const std::string& room_id,
                                                         const std::string& type) = 0;
};

} // namespace myelin::store
