#include "net/loop_lag.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace myelin::net {

LoopLagMonitor::LoopLagMonitor(boost::asio::any_io_executor ex, std::chrono::milliseconds interval)
    : timer_(ex)
    , interval_(interval) {}

void LoopLagMonitor::start() {
    running_ = true;
    due_ = std::chrono::steady_clock::now() + interval_;
    arm();
}

void LoopLagMonitor::stop() {
    running_ = false;
    timer_.cancel();
}

void LoopLagMonitor::arm() {
    timer_.expires_at(due_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) return;
        auto now = std::chrono::steady_clock::now();
        record(now - due_);
        // The next one is due an interval after this one ran, not after it was due: a stall
        // counts once, not again for every interval it covered.
        due_ = now + interval_;
        arm();
    });
}

void LoopLagMonitor::record(std::chrono::nanoseconds lag) {
    double s = std::max(0.0, std::chrono::duration<double>(lag).count());
    double ms = s * 1000;
    auto bucket = std::lower_bound(kBucketsMs.begin(), kBucketsMs.end(), ms) - kBucketsMs.begin();
    ++counts_[static_cast<std::size_t>(bucket)];
    sum_s_ += s;
    max_s_ = std::max(max_s_, s);
    window_max_s_ = std::max(window_max_s_, s);
}

double LoopLagMonitor::take_window_max() {
    return std::exchange(window_max_s_, 0.0);
}

std::string LoopLagMonitor::prometheus() {
    std::string out =
        "# HELP myelin_loop_lag_seconds How late the event loop ran a timer due every " +
        std::to_string(interval_.count()) +
        " ms: how long everything else waited.\n"
        "# TYPE myelin_loop_lag_seconds histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBucketsMs.size(); ++i) {
        cumulative += counts_[i];
        out += fmt::format("myelin_loop_lag_seconds_bucket{{le=\"{}\"}} {}\n", kBucketsMs[i] / 1000,
                           cumulative);
    }
    cumulative += counts_.back();
    out += fmt::format("myelin_loop_lag_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
    out += fmt::format("myelin_loop_lag_seconds_sum {}\n", sum_s_);
    out += fmt::format("myelin_loop_lag_seconds_count {}\n", cumulative);
    out += "# HELP myelin_loop_lag_max_seconds The longest lag since the server started.\n"
           "# TYPE myelin_loop_lag_max_seconds gauge\n";
    out += fmt::format("myelin_loop_lag_max_seconds {}\n", max_s_);
    out += "# HELP myelin_loop_lag_window_max_seconds The longest lag since the previous scrape.\n"
           "# TYPE myelin_loop_lag_window_max_seconds gauge\n";
    out += fmt::format("myelin_loop_lag_window_max_seconds {}\n", take_window_max());
    return out;
}

} // namespace myelin::net
