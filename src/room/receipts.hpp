#pragma once
// Read receipts (m.read, m.read.private, threaded) and the fully-read marker.
#include "account/account_data.hpp"
#include "room/room_service.hpp"
#include <functional>

namespace myelin::room {

class ReceiptService {
public:
    ReceiptService(RoomService& rooms, account::AccountDataService& data)
        : rooms_(rooms)
        , data_(data) {}

    // 400 M_INVALID_PARAM for unknown types, 403 when not joined, 404 for unknown events.
    void post(const std::string& user_id, const std::string& room_id, const std::string& type,
              const std::string& event_id, const std::string& thread_id);

    std::function<void(const std::string& room_id, const std::string& user_id)> on_change;

private:
    RoomService& rooms_;
    account::AccountDataService& data_;
};

} // namespace myelin::room
