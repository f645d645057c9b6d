#pragma once
// How long the event loop was unable to run anything: a timer asks to fire every `interval`;
// how late it fires is how long the loop was busy with something else (a stall every
// connection waited out). Counts lags into a histogram and keeps the longest since the last
// read of `take_window_max()`, which is what the benchmarks report per run.
#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>

namespace myelin::net {

class LoopLagMonitor {
public:
    // Upper bounds (ms) of the histogram's buckets; a last bucket holds everything above.
    static constexpr std::array<double, 12> kBucketsMs{1,   2,   5,   10,   20,   50,
                                                       100, 200, 500, 1000, 2000, 5000};

    LoopLagMonitor(boost::asio::any_io_executor ex, std::chrono::milliseconds interval);
    void start();
    void stop();

    // The longest lag (seconds) since the previous call, and since the start.
    double take_window_max();
    double max_seconds() const { return max_s_; }
    // Prometheus text exposition of the histogram and both maxima (reads the window).
    std::string prometheus();

    // One timer firing `lag` late (exposed for tests).
    void record(std::chrono::nanoseconds lag);

private:
    void arm();

    boost::asio::steady_timer timer_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point due_{};
    bool running_ = false;
    std::array<std::uint64_t, kBucketsMs.size() + 1> counts_{};
    double sum_s_ = 0;
    double max_s_ = 0;
    double window_max_s_ = 0;
};

} // namespace myelin::net
