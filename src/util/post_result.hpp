#pragma once
// The second half of handing work to another thread: run it there, then give its result (or
// the exception it threw) to the waiting handler on the handler's own executor.
#include <boost/asio/post.hpp>
#include <exception>
#include <type_traits>
#include <utility>

namespace myelin::util {

// Runs `work()` on the calling thread, then `done()` (bookkeeping, also after an exception),
// then posts `handler(error, result)` to `home`.
template <class Work, class Done, class Handler, class Executor>
void run_and_post_result(Work& work, Done done, Handler handler, const Executor& home) {
    using R = std::invoke_result_t<Work&>;
    static_assert(std::is_default_constructible_v<R>, "result must be default-constructible");
    std::exception_ptr error;
    R result{};
    try {
        result = work();
    } catch (...) {
        error = std::current_exception();
    }
    done();
    boost::asio::post(home,
                      [handler = std::move(handler), error, result = std::move(result)]() mutable {
                          std::move(handler)(error, std::move(result));
                      });
}

} // namespace myelin::util
