#pragma once
// Runs CPU-heavy work (argon2id hashing) on worker threads so the event loop never stalls,
// then resumes the calling coroutine on its own executor.
//
// Built on async_initiate rather than co_spawn: GCC 12 miscompiles coroutine lambdas that
// capture by value, which corrupted the heap when the pool ran such a frame.
#include "util/post_result.hpp"
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace myelin::util {

class BlockingPool {
public:
    explicit BlockingPool(std::size_t threads)
        : pool_(threads) {}
    ~BlockingPool() { pool_.join(); }

    template <class F> auto run(F f) {
        using R = std::invoke_result_t<F&>;
        static_assert(std::is_default_constructible_v<R>, "result must be default-constructible");
        auto initiation = [this](auto handler, F work) {
            auto home = boost::asio::get_associated_executor(handler);
            boost::asio::post(
                pool_, [work = std::move(work), handler = std::move(handler), home]() mutable {
                    util::run_and_post_result(
                        work, [] {}, std::move(handler), home);
                });
        };
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, R)>(
            std::move(initiation), boost::asio::use_awaitable, std::move(f));
    }

    void stop() { pool_.join(); }

private:
    boost::asio::thread_pool pool_;
};

} // namespace myelin::util
