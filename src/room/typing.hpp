#pragma once
// Typing notifications: in memory only (the spec makes them ephemeral), each with an expiry.
// A serial number orders changes so sync can tell which rooms changed since a token; one
// sweep timer for all rooms clears expired typers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::room {

class TypingService {
public:
    explicit TypingService(boost::asio::any_io_executor ex)
        : sweep_(ex) {}

    void set(const std::string& room_id, const std::string& user_id, bool typing,
             std::chrono::milliseconds timeout);
    std::int64_t serial() const { return serial_; }
    // The room's typers when they changed after `since_serial`; a serial from before a restart
    // (larger than the current one) counts as changed.
    std::optional<std::vector<std::string>> changed_since(const std::string& room_id,
                                                          std::int64_t since_serial) const;
    std::vector<std::string> rooms_changed_since(std::int64_t since_serial) const;
    std::vector<std::string> typers(const std::string& room_id) const;

    std::function<void(const std::string& room_id)> on_change;

private:
    struct RoomTyping {
        std::map<std::string, std::chrono::steady_clock::time_point> until;
        std::int64_t serial = 0;
    };
    void changed(const std::string& room_id, RoomTyping& r);
    void schedule_sweep();
    void sweep();

    std::unordered_map<std::string, RoomTyping> rooms_;
    std::int64_t serial_ = 0;
    boost::asio::steady_timer sweep_;
    bool sweeping_ = false;
};

} // namespace myelin::room
