#pragma once
// Send-to-device messaging: messages addressed to devices, kept until the device acknowledges
// them by syncing from a token at or past them.
#include "store/store.hpp"
#include <boost/json.hpp>
#include <functional>

namespace myelin::e2ee {

class ToDeviceService {
public:
    ToDeviceService(std::string server_name, store::Store& store)
        : server_name_(std::move(server_name))
        , store_(store) {}

    // `messages` is {user_id: {device_id or "*": content}}. Remote users are skipped (no
    // federation yet); a repeated transaction id is accepted and does nothing.
    void send(const std::string& sender, const std::string& sender_device, const std::string& type,
              const std::string& txn_id, const boost::json::object& messages);

    std::function<void(const std::string& user_id)> on_message; // wakes the recipient's syncs

private:
    std::string server_name_;
    store::Store& store_;
};

} // namespace myelin::e2ee
