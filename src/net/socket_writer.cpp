#include "net/socket_writer.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <sys/socket.h>

namespace myelin::net {

SocketWriter::SocketWriter()
    : thread_([this] { run(); }) {}

SocketWriter::~SocketWriter() {
    {
        std::lock_guard lock(m_);
        stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
}

bool SocketWriter::take_this_one() {
    auto now = std::chrono::steady_clock::now();
    if (now - window_ > std::chrono::milliseconds(1)) {
        window_ = now;
        in_window_ = 0;
    }
    return ++in_window_ > kBurst || queued_ > 0;
}

void SocketWriter::enqueue(Job job, Handler handler) {
    job.handler.emplace(std::move(handler));
    ++queued_;
    bool was_empty;
    {
        std::lock_guard lock(m_);
        was_empty = jobs_.empty();
        jobs_.push_back(std::move(job));
    }
    if (was_empty) cv_.notify_one();
}

void SocketWriter::run() {
    std::deque<Job> batch;
    for (;;) {
        {
            std::unique_lock lock(m_);
            cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
            if (stop_) return;
            batch.swap(jobs_);
        }
        for (auto& job : batch) {
            auto n = ::send(job.fd, job.data.data(), job.data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
            int err = n < 0 ? errno : 0;
            std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
            boost::asio::post(job.ex, [this, h = std::move(*job.handler), sent, err]() mutable {
                --queued_;
                std::move(h)(sent, err);
            });
        }
        batch.clear();
    }
}

} // namespace myelin::net
