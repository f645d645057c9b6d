#pragma once
// A wake-up a coroutine can wait on without a timer: notify() resumes the waiting coroutine, or
// makes its next wait return at once if it is not waiting yet (no wake-up is lost). An idle
// stream therefore costs one stored handler, not an entry in the timer queue.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <optional>

namespace myelin::sync {

class WakeSignal {
public:
    explicit WakeSignal(boost::asio::any_io_executor ex)
        : ex_(std::move(ex)) {}

    template <class Token> auto async_wait(Token&& token) {
        return boost::asio::async_initiate<Token, void()>(
            [this](auto handler) {
                if (pending_) {
                    pending_ = false;
                    boost::asio::post(ex_, std::move(handler));
                    return;
                }
                handler_.emplace(std::move(handler));
            },
            token);
    }

    void notify() {
        if (!handler_) {
            pending_ = true;
            return;
        }
        boost::asio::post(ex_, [h = std::move(*handler_)]() mutable { std::move(h)(); });
        handler_.reset();
    }

private:
    boost::asio::any_io_executor ex_;
    // In an optional and never assigned: Boost 1.81's any_completion_handler move-assignment
    // recurses forever (it copies from an lvalue through its own converting constructor).
    std::optional<boost::asio::any_completion_handler<void()>> handler_;
    bool pending_ = false;
};

} // namespace myelin::sync
