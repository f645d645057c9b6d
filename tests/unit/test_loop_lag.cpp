#include "net/loop_lag.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace myelin::net;
using namespace std::chrono_literals;

namespace {
// The value on the line of metric `name` (with its labels), or "" if there is none.
std::string value_of(const std::string& text, const std::string& name) {
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return {};
    auto start = at + 1 + name.size() + 1;
    return text.substr(start, text.find('\n', start) - start);
}
std::string bucket(const std::string& text, const std::string& le) {
    return value_of(text, "myelin_loop_lag_seconds_bucket{le=\"" + le + "\"}");
}
} // namespace

TEST(LoopLag, LagsFallIntoCumulativeBucketsAndTheWindowResetsOnRead) {
    boost::asio::io_context io;
    LoopLagMonitor m(io.get_executor(), 10ms);
    m.record(300us);
    m.record(3ms);
    m.record(3ms);
    m.record(7s);
    auto text = m.prometheus();
    std::vector<std::pair<std::string, std::string>> want{
        {"0.001", "1"}, {"0.002", "1"}, {"0.005", "3"}, {"5", "3"}, {"+Inf", "4"}};
    for (const auto& [le, count] : want)
        EXPECT_EQ(bucket(text, le), count) << le;
    EXPECT_EQ(value_of(text, "myelin_loop_lag_window_max_seconds"), "7");
    EXPECT_DOUBLE_EQ(m.max_seconds(), 7.0);
    EXPECT_DOUBLE_EQ(m.take_window_max(), 0.0); // the scrape above read the window
    m.record(2ms);
    EXPECT_DOUBLE_EQ(m.take_window_max(), 0.002);
    EXPECT_DOUBLE_EQ(m.max_seconds(), 7.0);
}

TEST(LoopLag, ABlockedLoopIsMeasuredOnceNotPerMissedInterval) {
    boost::asio::io_context io;
    LoopLagMonitor m(io.get_executor(), 5ms);
    m.start();
    boost::asio::steady_timer block(io);
    block.expires_after(20ms);
    block.async_wait([](auto) { std::this_thread::sleep_for(100ms); });
    boost::asio::steady_timer done(io);
    done.expires_after(200ms);
    done.async_wait([&](auto) { m.stop(); });
    io.run();
    EXPECT_GE(m.max_seconds(), 0.080); // the 100 ms stall, less at most one interval
    auto text = m.prometheus();
    // One sample for the stall, not twenty: after it the timer is due an interval later.
    EXPECT_EQ(std::stoi(bucket(text, "0.05")),
              std::stoi(value_of(text, "myelin_loop_lag_seconds_count")) - 1);
}
