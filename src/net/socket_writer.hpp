#pragma once
// A second thread for the send() calls of streamed responses. A message to a room of 10,000
// members wakes 10,000 SSE streams on the event loop's one thread; about 45 % of that work is
// the kernel's, in send() (on loopback it includes the receiving side's TCP processing). The
// loop computes each stream's event and hands the bytes here, so the sends of one stream run
// while the loop computes the next. Each stream waits for its send to complete before it
// writes again, so its bytes stay in order; the fd stays open meanwhile, because the
// connection is only closed after its handler returns, and the handler is what waits.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace myelin::net {

class SocketWriter {
public:
    SocketWriter();
    ~SocketWriter(); // finishes the send in progress; the handlers of queued ones are dropped
    SocketWriter(const SocketWriter&) = delete;
    SocketWriter& operator=(const SocketWriter&) = delete;

    // One non-blocking send() of `data` (which must stay valid until completion) on `fd`;
    // completes on `ex` with the bytes sent and errno (0 when it succeeded).
    template <class Token>
    auto async_send(boost::asio::any_io_executor ex, int fd, std::string_view data, Token&& token) {
        return boost::asio::async_initiate<Token, void(std::size_t, int)>(
            [this, ex, fd, data](auto handler) {
                enqueue(Job{fd, data, ex, std::nullopt}, std::move(handler));
            },
            token);
    }
    // Event loop only: whether this send should go to the thread. Yes in a burst (more than
    // kBurst sends within a millisecond, or sends still queued); otherwise the loop's own
    // send() is cheaper than waking a thread and being woken back (a chat message reaches a
    // few dozen streams).
    bool take_this_one();

private:
    using Handler = boost::asio::any_completion_handler<void(std::size_t, int)>;
    struct Job {
        int fd;
        std::string_view data;
        boost::asio::any_io_executor ex;
        // In an optional and never assigned (see WakeSignal): Boost 1.81's
        // any_completion_handler move-assignment recurses.
        std::optional<Handler> handler;
    };
    void enqueue(Job job, Handler handler);
    void run();

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    bool stop_ = false;
    std::size_t queued_ = 0; // event-loop side: handed over, not yet completed
    static constexpr int kBurst = 32;
    std::chrono::steady_clock::time_point window_{};
    int in_window_ = 0;
    std::thread thread_;
};

} // namespace myelin::net
