#include "store/db_pool.hpp"

namespace myelin::store {

DbPool::DbPool(Store& loop_store, std::size_t threads, const OpenStore& open)
    : loop_store_(loop_store) {
    for (std::size_t i = 0; i < threads; ++i) {
        auto w = std::make_unique<Worker>();
        w->store = open();
        w->guard.emplace(w->io.get_executor());
        workers_.push_back(std::move(w));
    }
    for (auto& w : workers_)
        w->thread = std::thread([io = &w->io] { io->run(); });
}

DbPool::~DbPool() {
    stop();
}

void DbPool::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (auto& w : workers_)
        w->guard.reset(); // run() returns once the queue is empty
    for (auto& w : workers_)
        if (w->thread.joinable()) w->thread.join();
}

std::int64_t DbPool::in_flight() const {
    std::int64_t n = 0;
    for (const auto& w : workers_)
        n += w->pending.load(std::memory_order_relaxed);
    return n;
}

// Each job is a few round trips, so the shortest queue is the one that answers first.
DbPool::Worker& DbPool::least_busy() {
    Worker* best = workers_.front().get();
    for (auto& w : workers_)
        if (w->pending.load(std::memory_order_relaxed) <
            best->pending.load(std::memory_order_relaxed))
            best = w.get();
    return *best;
}

} // namespace myelin::store
