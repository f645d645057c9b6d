#pragma once
// Read receipts (m.read, m.read.private, threaded) and the fully-read marker.
#include "account/account_data.hpp"
#include "feed/change_feed.hpp"
#include "room/room_service.hpp"

namespace myelin::room {

class ReceiptService {
public:
    // Each receipt is published to `feed` (Kind::receipt).
    ReceiptService(RoomService& rooms, store::EventStore& events, store::ReceiptStore& store,
                   account::AccountDataService& data, feed::ChangeFeed& feed)
        : rooms_(rooms)
        , events_(events)
        , store_(store)
        , data_(data)
        , feed_(feed) {}

    // 400 M_INVALID_PARAM for unknown types, 403 when not joined, 404 for unknown events.
    void post(const std::string& user_id, const std::string& room_id, const std::string& type,
              const std::string& event_id, const std::string& thread_id);

private:
    RoomService& rooms_;
    store::EventStore& events_;
    store::ReceiptStore& store_;
    account::AccountDataService& data_;
    feed::ChangeFeed& feed_;
};

} // namespace myelin::room
