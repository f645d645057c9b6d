#pragma once
// The message senders: a queue of messages to send and a small pool of keep-alive
// connections that send them (PUT /rooms/{id}/send/m.room.message/{txn}) as fast as the
// server acknowledges. Each body is "<run-id> <seq> <send-time-ns>", stamped just before the
// request is written, so that queueing inside the load generator is not counted as latency.
#include "async_util.hpp"
#include "delivery_tracker.hpp"
#include "http_conn.hpp"
#include "world_setup.hpp"
#include <deque>
#include <memory>
#include <vector>

namespace loadgen {

class SenderPool {
public:
    SenderPool(asio::any_io_executor ex, const Target& target, const World& world,
               DeliveryTracker& tracker, std::string run_id, std::size_t connections);
    // Starts the connections' loops.
    void start();
    // Queues one message from `user` to `room`.
    void enqueue(std::uint32_t room, std::uint32_t user);
    // No more messages: the loops end once the queue is empty.
    void finish();
    bool idle() const { return queue_.empty() && busy_ == 0; }
    bool finished() const { return running_ == 0; }
    void close_all();

    Traffic traffic;
    std::uint64_t sent_ok = 0, failed = 0, rate_limited = 0;
    std::size_t max_backlog = 0;
    std::vector<std::string> errors; // the first few failures

private:
    struct Job {
        std::uint32_t room, user;
    };
    asio::awaitable<void> loop(std::size_t index);

    asio::any_io_executor ex_;
    const Target& target_;
    const World& world_;
    DeliveryTracker& tracker_;
    std::string run_id_;
    std::vector<std::unique_ptr<HttpConn>> conns_;
    std::deque<Job> queue_;
    Notifier wake_;
    bool finishing_ = false;
    std::size_t busy_ = 0, running_ = 0;
};

} // namespace loadgen
