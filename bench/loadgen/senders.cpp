#include "senders.hpp"

#include "api_call.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace loadgen {

SenderPool::SenderPool(asio::any_io_executor ex, const Target& target, const World& world,
                       DeliveryTracker& tracker, std::string run_id, std::size_t connections)
    : ex_(ex)
    , target_(target)
    , world_(world)
    , tracker_(tracker)
    , run_id_(std::move(run_id))
    , wake_(ex) {
    for (std::size_t i = 0; i < connections; ++i)
        conns_.push_back(std::make_unique<HttpConn>(ex, target, traffic, i));
}

void SenderPool::start() {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
        ++running_;
        asio::co_spawn(ex_, loop(i), asio::detached);
    }
}

void SenderPool::enqueue(std::uint32_t room, std::uint32_t user) {
    queue_.push_back({room, user});
    max_backlog = std::max(max_backlog, queue_.size());
    wake_.notify_all();
}

void SenderPool::finish() {
    finishing_ = true;
    wake_.notify_all();
}

void SenderPool::close_all() {
    for (auto& c : conns_)
        c->close();
}

asio::awaitable<void> SenderPool::loop(std::size_t index) {
    auto& conn = *conns_[index];
    conn.set_read_timeout(std::chrono::seconds(60));
    for (;;) {
        if (queue_.empty()) {
            if (finishing_) break;
            co_await wake_.wait(std::chrono::milliseconds(200));
            continue;
        }
        Job job = queue_.front();
        queue_.pop_front();
        ++busy_;
        const auto& room = world_.rooms[job.room];
        std::uint64_t seq = tracker_.add_message(job.room);
        std::string body = R"({"msgtype":"m.text","body":")" + run_id_ + " " + std::to_string(seq) +
                           " " + std::to_string(now_ns()) + "\"}";
        std::string path = "/_matrix/client/v3/rooms/" + url_encode(room.room_id) +
                           "/send/m.room.message/" + run_id_ + "-" + std::to_string(seq);
        auto r = co_await api_call(conn, "PUT", path, world_.users[job.user].access_token, body,
                                   target_);
        rate_limited += r.rate_limited;
        if (r.status == 200) {
            ++sent_ok;
            tracker_.sent_ok(seq);
        } else {
            ++failed;
            tracker_.send_failed(seq);
            if (errors.size() < 10) errors.push_back(r.error.empty() ? describe(r) : r.error);
        }
        --busy_;
    }
    --running_;
}

} // namespace loadgen
