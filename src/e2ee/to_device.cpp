#include "e2ee/to_device.hpp"

#include "util/ids.hpp"
#include "util/matrix_error.hpp"
#include <map>
#include <optional>
#include <set>

namespace myelin::e2ee {

namespace json = boost::json;

void ToDeviceService::send(const std::string& sender, const std::string& sender_device,
                           const std::string& type, const std::string& txn_id,
                           const json::object& messages) {
    std::vector<store::ToDeviceMessage> out;
    std::set<std::string> recipients;
    std::map<std::string, std::optional<std::set<std::string>>> devices_of; // looked up once
    for (const auto& [user, devices] : messages) {
        std::string user_id(user);
        if (!ids::valid_user_id(user_id)) throw invalid_param("Malformed user id " + user_id);
        if (!devices.is_object()) throw bad_json("messages must map users to device maps");
        if (ids::server_of(user_id) != server_name_) continue;
        for (const auto& [device, content] : devices.get_object()) {
            if (!content.is_object()) throw bad_json("each message content must be an object");
            auto& known = devices_of[user_id];
            if (!known) {
                known.emplace();
                for (auto& d : devices_.list_devices(user_id))
                    known->insert(std::move(d.device_id));
            }
            std::vector<std::string> targets;
            if (device == "*")
                targets.assign(known->begin(), known->end());
            else if (known->count(std::string(device)))
                targets.emplace_back(device);
            auto text = json::serialize(content);
            for (auto& d : targets)
                out.push_back(store::ToDeviceMessage{user_id, std::move(d), sender, type, text, 0});
            recipients.insert(user_id);
        }
    }
    if (!store_.put_to_device(store::TxnKey{sender, sender_device, txn_id}, out)) return;
    std::set<std::pair<std::string, std::string>> devices;
    for (const auto& m : out)
        if (devices.emplace(m.user_id, m.device_id).second)
            store_.trim_to_device(m.user_id, m.device_id, max_pending_, max_pending_bytes_);
    std::vector<std::string> users(recipients.begin(), recipients.end());
    feed::Change c{feed::Kind::to_device};
    c.users = users;
    feed_.publish(c);
}

} // namespace myelin::e2ee
