#pragma once
// Wakes waiting syncs (long-polls now, SSE streams later) when something they would return
// has changed. Indexed room → local users in it (kept from membership events, never rebuilt
// per request) and user → waiters, so an event wakes exactly the streams of the room's
// members and a waiter registers once, whatever the number of rooms it covers.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace myelin::sync {

class Notifier {
public:
    struct Waiter {
        explicit Waiter(boost::asio::any_io_executor ex)
            : timer(ex) {}
        boost::asio::steady_timer timer; // cancelled to wake the waiter
        bool woken = false;
    };
    using RoomUsersLoader = std::function<std::vector<std::string>(const std::string& room_id)>;

    Notifier(boost::asio::any_io_executor ex, RoomUsersLoader loader)
        : ex_(std::move(ex))
        , loader_(std::move(loader)) {}

    std::shared_ptr<Waiter> subscribe(const std::string& user_id);
    void unsubscribe(const std::string& user_id, const std::shared_ptr<Waiter>& w);

    // An event was stored in `room_id`; `member` is the target of a membership event.
    void on_room_event(const std::string& room_id, const std::string* member_target,
                       const std::string* membership);
    void wake_user(const std::string& user_id);
    // Wake everyone (shutdown).
    void wake_all();

    std::size_t waiting() const;

private:
    std::unordered_set<std::string>& users_of(const std::string& room_id);

    boost::asio::any_io_executor ex_;
    RoomUsersLoader loader_;
    std::unordered_map<std::string, std::unordered_set<std::string>> room_users_;
    std::unordered_map<std::string, std::vector<std::shared_ptr<Waiter>>> waiters_;
};

} // namespace myelin::sync
