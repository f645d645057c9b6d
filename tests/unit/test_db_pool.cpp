// store::DbPool: database work on threads of its own, results back on the loop; and a sync
// whose own rows are read there while the loop goes on changing things.
#include "service_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <stdexcept>
#include <thread>

using namespace myelin;
using myelin::fixture::ServiceFixture;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
template <typename T> T drive(asio::io_context& io, std::future<T>& f) {
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (io.stopped()) io.restart();
        io.run_one_for(std::chrono::milliseconds(10));
    }
    return f.get();
}

struct Threads {
    std::thread::id ran_on, resumed_on;
};
} // namespace

TEST(DbPool, WithoutThreadsTheWorkRunsInlineOnTheLoopStore) {
    ServiceFixture f(0);
    auto& pool = f.core->db;
    EXPECT_EQ(pool.threads(), 0u);
    auto where = f.run([&]() -> asio::awaitable<Threads> {
        Threads t;
        co_await pool.run([&](store::Store& s) {
            EXPECT_EQ(&s, f.core->store.get());
            t.ran_on = std::this_thread::get_id();
        });
        t.resumed_on = std::this_thread::get_id();
        co_return t;
    }());
    EXPECT_EQ(where.ran_on, std::this_thread::get_id());
    EXPECT_EQ(where.resumed_on, std::this_thread::get_id());
    EXPECT_EQ(pool.jobs(), 0u);
}

TEST(DbPool, WithThreadsTheWorkRunsElsewhereAndTheCallerResumesOnTheLoop) {
    ServiceFixture f(2);
    auto& pool = f.core->db;
    ASSERT_EQ(pool.threads(), 2u);
    f.core->store->put_meta("probe", "written on the loop's connection");
    auto where = f.run([&]() -> asio::awaitable<Threads> {
        Threads t;
        auto value = co_await pool.run([&](store::Store& s) {
            EXPECT_NE(&s, f.core->store.get()); // a connection of the thread's own
            t.ran_on = std::this_thread::get_id();
            return s.get_meta("probe");
        });
        EXPECT_EQ(value, std::optional<std::string>("written on the loop's connection"));
        t.resumed_on = std::this_thread::get_id();
        co_return t;
    }());
    EXPECT_NE(where.ran_on, std::this_thread::get_id());
    EXPECT_EQ(where.resumed_on, std::this_thread::get_id());
    EXPECT_EQ(pool.jobs(), 1u);
    EXPECT_EQ(pool.in_flight(), 0);
}

TEST(DbPool, AnExceptionReachesTheCaller) {
    for (int threads : {0, 2}) {
        ServiceFixture f(threads);
        auto& pool = f.core->db;
        auto message = f.run([&]() -> asio::awaitable<std::string> {
            try {
                co_await pool.run([](store::Store&) -> int { throw std::runtime_error("boom"); });
            } catch (const std::runtime_error& e) {
                co_return std::string(e.what());
            }
            co_return std::string("no exception");
        }());
        EXPECT_EQ(message, "boom") << threads << " threads";
    }
}

TEST(DbPool, TheLoopKeepsServingWhileAJobWaits) {
    ServiceFixture f(1);
    auto& pool = f.core->db;
    bool job_done = false, timer_fired_before = false;
    auto slow = asio::co_spawn(
        f.io,
        [&]() -> asio::awaitable<void> {
            co_await pool.run(
                [](store::Store&) { std::this_thread::sleep_for(std::chrono::milliseconds(300)); });
            job_done = true;
        },
        asio::use_future);
    asio::steady_timer t(f.io, std::chrono::milliseconds(20));
    t.async_wait([&](auto) { timer_fired_before = !job_done; });
    drive(f.io, slow);
    EXPECT_TRUE(job_done);
    EXPECT_TRUE(timer_fired_before); // the 20 ms timer ran while the job slept on its thread
}

// The room cache may move past a sync's position while the sync waits for its own rows: a
// user who joins in that moment must not get the room's history from before the join (here a
// room whose history is for members only).
TEST(DbPool, AJoinDuringASyncsReadDoesNotLeakTheHistoryBeforeIt) {
    ServiceFixture f(2);
    auto alice = f.user("alice");
    auto bob = f.user("bob");
    json::object body{{"preset", "public_chat"},
                      {"initial_state",
                       json::array{json::object{{"type", "m.room.history_visibility"},
                                                {"state_key", ""},
                                                {"content", {{"history_visibility", "joined"}}}}}}};
    auto room = f.core->rooms.create_room(alice.actor(), body);
    auto before = f.sync(bob);
    f.core->rooms.send_event(room, alice.actor(), "m.room.message",
                             json::object{{"msgtype", "m.text"}, {"body", "for members"}});
    auto token = std::string(before.at("next_batch").as_string());
    sync::SyncRequest req;
    req.user_id = bob.user_id;
    req.device_id = bob.device_id;
    auto t = f.core->sync.parse_since(token);
    req.since = t.pos;
    req.since_typing = t.typing;
    // The sync runs first and hands its read to a thread; the join runs on the loop meanwhile.
    auto answer = asio::co_spawn(f.io, f.core->sync.compute(req), asio::use_future);
    auto joined = asio::co_spawn(
        f.io,
        [&]() -> asio::awaitable<void> {
            f.core->rooms.join(bob.actor(), room, std::nullopt);
            co_return;
        },
        asio::use_future);
    auto result = drive(f.io, answer);
    drive(f.io, joined);
    EXPECT_EQ(result.body.find("for members"), std::string::npos) << result.body;
    // The next sync has the join (and still not the message from before it).
    auto next = f.sync(bob, result.next_batch);
    const auto& join = next.at("rooms").at("join").as_object();
    ASSERT_TRUE(join.contains(room)) << json::serialize(next);
    EXPECT_EQ(json::serialize(next).find("for members"), std::string::npos);
}

// With threads, unread counts the cache lacks are read in a second hand-off and put in the
// room's JSON where they belong.
TEST(DbPool, UnreadCountsReadOffTheLoopArriveInPlace) {
    for (int threads : {0, 2}) {
        ServiceFixture f(threads);
        auto alice = f.user("alice");
        auto bob = f.user("bob");
        auto room = fixture::RoomBuilder(f, alice).member(bob).build();
        auto first = f.sync(bob);
        for (const char* body : {"one", "two"})
            f.core->rooms.send_event(room, alice.actor(), "m.room.message",
                                     json::object{{"msgtype", "m.text"}, {"body", body}});
        auto next = f.sync(bob, std::string(first.at("next_batch").as_string()));
        auto text = json::serialize(next);
        EXPECT_EQ(text.find('\x01'), std::string::npos) << text;
        const auto& r = next.at("rooms").at("join").at(room);
        EXPECT_EQ(r.at("unread_notifications").at("notification_count").as_int64(), 2)
            << threads << " threads: " << text;
        EXPECT_EQ(r.at("timeline").at("events").as_array().size(), 2u);
    }
}
