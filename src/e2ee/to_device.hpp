#pragma once
// Send-to-device messaging: messages addressed to devices, kept until the device acknowledges
// them by syncing from a token at or past them, and at most `max_pending` messages and
// `max_pending_bytes` of content per device (a device that never comes back must not make the
// table grow without bound; the oldest go first).
#include "feed/change_feed.hpp"
#include "store/store.hpp"
#include <boost/json.hpp>

namespace myelin::e2ee {

class ToDeviceService {
public:
    // The recipients of each send are published to `feed` (Kind::to_device).
    ToDeviceService(std::string server_name, store::ToDeviceStore& store,
                    store::AccountStore& devices, feed::ChangeFeed& feed,
                    std::int64_t max_pending = 10000, std::int64_t max_pending_bytes = 16 << 20)
        : server_name_(std::move(server_name))
        , store_(store)
        , devices_(devices)
        , feed_(feed)
        , max_pending_(max_pending)
        , max_pending_bytes_(max_pending_bytes) {}

    // `messages` is {user_id: {device_id or "*": content}}. Remote users are skipped (no
    // federation yet), and so are devices that do not exist (nothing would ever collect their
    // messages); a repeated transaction id is accepted and does nothing.
    void send(const std::string& sender, const std::string& sender_device, const std::string& type,
              const std::string& txn_id, const boost::json::object& messages);

private:
    std::string server_name_;
    store::ToDeviceStore& store_;
    store::AccountStore& devices_;
    feed::ChangeFeed& feed_;
    std::int64_t max_pending_;
    std::int64_t max_pending_bytes_;
};

} // namespace myelin::e2ee
