#pragma once
// Sync filters (POST /user/{userId}/filter): ids are per user and increase.
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class FilterStore {
public:
    virtual ~FilterStore() = default;

    // Filters (POST /user/{userId}/filter): ids are per user and increase.
    // The id of a filter of this user's with exactly this text, if one is stored.
    virtual std::optional<std::int64_t> find_filter(const std::string& user_id,
                                                    const std::string& json) = 0;
    virtual std::int64_t put_filter(const std::string& user_id, const std::string& json) = 0;
    virtual std::int64_t count_filters(const std::string& user_id) = 0;
    virtual std::optional<std::string> get_filter(const std::string& user_id,
                                                  std::int64_t filter_id) = 0;
};

} // namespace myelin::store
