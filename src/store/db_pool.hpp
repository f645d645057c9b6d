#pragma once
// Database work off the event loop. Each pool thread owns a store on a connection of its own;
// run(f) hands f(Store&) to the least busy thread and resumes the calling coroutine on its own
// executor with the result (or the exception f threw). With no threads (the SQLite default:
// a read there costs a few microseconds, less than the hand-off to another thread and back),
// f runs inline on the loop's own store, so callers are written once for both.
//
// What may run here: work whose answer depends only on durable rows, not on the loop's caches
// (the worker stores keep none). The loop's store stays the one that writes events, so stream
// positions are still assigned on one connection in order
// (docs/architecture/event-loop-and-database.md).
//
// Built on async_initiate, as util::BlockingPool is (GCC 12 and coroutine lambdas).
#include "store/store.hpp"
#include "util/post_result.hpp"

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace myelin::store {

class DbPool {
public:
    using OpenStore = std::function<std::unique_ptr<Store>()>;
    // `loop_store`: used inline when `threads` is 0. `open`: called once per thread, here.
    DbPool(Store& loop_store, std::size_t threads, const OpenStore& open);
    ~DbPool();
    DbPool(const DbPool&) = delete;
    DbPool& operator=(const DbPool&) = delete;

    std::size_t threads() const { return workers_.size(); }
    // Jobs handed to threads (not counting inline runs), and those not finished yet.
    std::uint64_t jobs() const { return jobs_.load(std::memory_order_relaxed); }
    std::int64_t in_flight() const;
    // Finishes what is queued and joins the threads; run() must not be called afterwards.
    void stop();

    // Not a coroutine itself: GCC 12 destroys a closure passed by value to a coroutine twice.
    template <class F> auto run(F f) -> boost::asio::awaitable<std::invoke_result_t<F&, Store&>> {
        using R = std::invoke_result_t<F&, Store&>;
        if constexpr (std::is_void_v<R>) {
            if (workers_.empty()) {
                f(loop_store_);
                return ready();
            }
            return discard(hand_off<Unit>([f = std::move(f)](Store& s) mutable {
                f(s);
                return Unit{};
            }));
        } else {
            if (workers_.empty()) return ready<R>(f(loop_store_));
            return hand_off<R>(std::move(f));
        }
    }

private:
    struct Unit {};
    struct Worker {
        std::unique_ptr<Store> store;
        boost::asio::io_context io{1};
        std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
            guard;
        std::atomic<std::int64_t> pending{0};
        std::thread thread;
    };
    Worker& least_busy();
    template <class R> static boost::asio::awaitable<R> ready(R r) { co_return r; }
    static boost::asio::awaitable<void> ready() { co_return; }
    static boost::asio::awaitable<void> discard(boost::asio::awaitable<Unit> a) {
        co_await std::move(a);
    }

    template <class R, class F> auto hand_off(F f) {
        auto initiation = [this](auto handler, F work) {
            auto home = boost::asio::get_associated_executor(handler);
            auto& w = least_busy();
            w.pending.fetch_add(1, std::memory_order_relaxed);
            jobs_.fetch_add(1, std::memory_order_relaxed);
            boost::asio::post(
                w.io, [&w, work = std::move(work), handler = std::move(handler), home]() mutable {
                    auto on_store = [&] { return work(*w.store); };
                    util::run_and_post_result(
                        on_store, [&w] { w.pending.fetch_sub(1, std::memory_order_relaxed); },
                        std::move(handler), home);
                });
        };
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, R)>(
            std::move(initiation), boost::asio::use_awaitable, std::move(f));
    }

    Store& loop_store_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<std::uint64_t> jobs_{0};
    bool stopped_ = false;
};

} // namespace myelin::store
