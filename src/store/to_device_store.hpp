#pragma once
// Send-to-device messages, per recipient device.
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class ToDeviceStore {
public:
    virtual ~ToDeviceStore() = default;

    // To-device messages. put: all rows in one transaction under one new stream position;
    // false (and nothing written) when the sender's transaction id was used before.
    virtual std::optional<std::int64_t> put_to_device(const TxnKey& txn,
                                                      const std::vector<ToDeviceMessage>& msgs) = 0;
    // The device's messages in (after, upto], oldest first, `limit` at most.
    virtual std::vector<ToDeviceMessage> to_device_for(const std::string& user_id,
                                                       const std::string& device_id,
                                                       std::int64_t after, std::int64_t upto,
                                                       std::int64_t limit = INT64_MAX) = 0;
    // Keeps the newest `keep` messages of the device, and newest ones of `keep_bytes` of
    // content at most (whole positions), deleting older ones.
    virtual void trim_to_device(const std::string& user_id, const std::string& device_id,
                                std::int64_t keep, std::int64_t keep_bytes = INT64_MAX) = 0;
    // Deletes what the device has acknowledged (positions <= upto).
    virtual void ack_to_device(const std::string& user_id, const std::string& device_id,
                               std::int64_t upto) = 0;
};

} // namespace myelin::store
