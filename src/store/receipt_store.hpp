#pragma once
// Read receipts: storing one takes a stream position (sync reads them by position).
#include "store/room_records.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace myelin::store {

class ReceiptStore {
public:
    virtual ~ReceiptStore() = default;

    // Receipts: storing one takes a stream position (sync reads them by position).
    virtual std::int64_t put_receipt(const ReceiptRecord& r) = 0;
    virtual std::vector<ReceiptRecord> receipts_between(std::int64_t from, std::int64_t to) = 0;
    virtual std::vector<ReceiptRecord> receipts_in_room(const std::string& room_id) = 0;
    virtual std::optional<ReceiptRecord> receipt(const std::string& room_id,
                                                 const std::string& user_id,
                                                 const std::string& receipt_type,
                                                 const std::string& thread_id) = 0;
};

} // namespace myelin::store
