// The writer thread for streamed responses, over a real socket pair: bytes arrive whole and in
// order, completions come back on the event loop, and a full socket buffer reports EAGAIN
// (the caller then finishes the write on the loop).
#include "net/socket_writer.hpp"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <gtest/gtest.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;
using myelin::net::SocketWriter;

namespace {
struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
    ~SocketPair() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    std::string drain() {
        std::string out;
        char buf[65536];
        for (ssize_t n; (n = ::recv(fd[1], buf, sizeof buf, MSG_DONTWAIT)) > 0;)
            out.append(buf, static_cast<std::size_t>(n));
        return out;
    }
};
} // namespace

TEST(SocketWriter, SendsInOrderAndCompletesOnTheLoop) {
    asio::io_context io;
    SocketWriter writer;
    SocketPair sp;
    std::string expected;
    int completed = 0;
    const auto loop_thread = std::this_thread::get_id();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 200; ++i) {
                std::string frame = "id: " + std::to_string(i) + "\ndata: {}\n\n";
                expected += frame;
                auto [n, err] = co_await writer.async_send(io.get_executor(), sp.fd[0], frame,
                                                           asio::as_tuple(asio::use_awaitable));
                EXPECT_EQ(err, 0);
                EXPECT_EQ(n, frame.size());
                EXPECT_EQ(std::this_thread::get_id(), loop_thread);
                ++completed;
            }
        },
        asio::detached);
    io.run();
    EXPECT_EQ(completed, 200);
    EXPECT_EQ(sp.drain(), expected);
}

TEST(SocketWriter, AFullSocketReportsWouldBlockWithWhatWasSent) {
    asio::io_context io;
    SocketWriter writer;
    SocketPair sp;
    int small = 4096;
    ASSERT_EQ(::setsockopt(sp.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    const std::string chunk(64 * 1024, 'x');
    std::size_t total = 0;
    int last_err = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 64 && last_err == 0; ++i) {
                auto [n, err] = co_await writer.async_send(io.get_executor(), sp.fd[0], chunk,
                                                           asio::as_tuple(asio::use_awaitable));
                total += n;
                last_err = err;
            }
        },
        asio::detached);
    io.run();
    EXPECT_TRUE(last_err == EAGAIN || last_err == EWOULDBLOCK) << last_err;
    EXPECT_LT(total, 64 * chunk.size());
    EXPECT_EQ(sp.drain().size(), total); // every byte reported sent is in the socket
}

TEST(SocketWriter, OnlyBurstsGoToTheThread) {
    SocketWriter writer;
    int taken = 0;
    for (int i = 0; i < 10; ++i)
        taken += writer.take_this_one();
    EXPECT_EQ(taken, 0); // a few sends: on the loop
    for (int i = 0; i < 100; ++i)
        taken += writer.take_this_one();
    EXPECT_GT(taken, 0); // a burst within a millisecond: handed over
}
