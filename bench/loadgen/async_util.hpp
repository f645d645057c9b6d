#pragma once
// Small coroutine helpers for the single io thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>

namespace loadgen {

inline boost::asio::awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
    co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

// Wakes every coroutine waiting on it. Only safe on one thread, which is how it is used:
// a waiter checks its condition and suspends before anyone else can run.
class Notifier {
public:
    explicit Notifier(boost::asio::any_io_executor ex)
        : timer_(ex, std::chrono::steady_clock::time_point::max()) {}
    // Returns on notify_all() or after `max`, whichever is first.
    boost::asio::awaitable<void> wait(std::chrono::steady_clock::duration max) {
        // The shared timer never expires; cancelling it is the wake-up. A per-wait timer for
        // the bound keeps one forgotten notify from hanging anyone forever.
        boost::asio::steady_timer limit(timer_.get_executor(), max);
        auto over = std::make_shared<bool>(false); // outlives this frame if `limit` fired late
        limit.async_wait([this, over](auto ec) {
            if (!ec && !*over) timer_.cancel();
        });
        ++waiters_;
        co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        --waiters_;
        *over = true;
        limit.cancel();
    }
    void notify_all() {
        if (waiters_) timer_.cancel();
    }

private:
    boost::asio::steady_timer timer_;
    int waiters_ = 0;
};

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace loadgen
