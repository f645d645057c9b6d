// The notifier's indexes: which waiters a room event, a user wake-up or a presence change wakes.
#include "sync/notifier.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

using myelin::sync::Notifier;

namespace {

const std::string kRoom = "!room:example.org";
const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";
const std::string kCarol = "@carol:example.org";

struct NotifierTest : ::testing::Test {
    boost::asio::io_context io;
    // The loader is what the notifier asks once per room it has not seen: alice and bob.
    Notifier notifier{io.get_executor(), [](const std::string& room_id) {
                          return room_id == kRoom ? std::vector<std::string>{kAlice, kBob}
                                                  : std::vector<std::string>{};
                      }};
};

TEST_F(NotifierTest, RoomEventWakesOnlyTheRoomsMembers) {
    auto a = notifier.subscribe(kAlice);
    auto c = notifier.subscribe(kCarol);
    notifier.on_room_event(kRoom, nullptr, nullptr);
    EXPECT_TRUE(a->woken);
    EXPECT_FALSE(c->woken);
    notifier.unsubscribe(kAlice, a);
    notifier.unsubscribe(kCarol, c);
}

TEST_F(NotifierTest, JoinAddsTheTargetToTheRoomAndLeaveRemovesIt) {
    auto c = notifier.subscribe(kCarol);
    const std::string join = "join", leave = "leave";
    notifier.on_room_event(kRoom, &kCarol, &join);
    EXPECT_TRUE(c->woken);
    c->woken = false;
    notifier.on_room_event(kRoom, nullptr, nullptr);
    EXPECT_TRUE(c->woken) << "a joined user follows the room";
    notifier.on_room_event(kRoom, &kCarol, &leave);
    c->woken = false;
    notifier.on_room_event(kRoom, nullptr, nullptr);
    EXPECT_FALSE(c->woken) << "a user who left no longer follows the room";
    notifier.unsubscribe(kCarol, c);
}

TEST_F(NotifierTest, PresenceSkipsWaitersWhoseFilterLeavesPresenceOut) {
    auto with = notifier.subscribe(kAlice);
    auto without = notifier.subscribe(kBob);
    without->wants_presence = false;
    notifier.wake_room(kRoom, Notifier::Topic::presence);
    EXPECT_TRUE(with->woken);
    EXPECT_FALSE(without->woken);
    notifier.wake_room(kRoom, Notifier::Topic::everything);
    EXPECT_TRUE(without->woken) << "anything else still wakes it";
    without->woken = false;
    notifier.wake_user(kBob, Notifier::Topic::presence);
    EXPECT_FALSE(without->woken);
    notifier.unsubscribe(kAlice, with);
    notifier.unsubscribe(kBob, without);
}

TEST_F(NotifierTest, UnsubscribedWaitersAreNotWoken) {
    auto a = notifier.subscribe(kAlice);
    notifier.unsubscribe(kAlice, a);
    notifier.on_room_event(kRoom, nullptr, nullptr);
    notifier.wake_user(kAlice);
    EXPECT_FALSE(a->woken);
    EXPECT_EQ(notifier.waiting(), 0u);
}

} // namespace

// Deadlines move lazily (a stream pushes its heartbeat back after every event): a deadline
// moved later must not fire at its old time, a cleared one must not fire at all, and the queue
// must not grow with every move.
TEST_F(NotifierTest, DeadlinesMovedLaterOrClearedFireOnlyWhenReallyDue) {
    using namespace std::chrono;
    auto moved = notifier.subscribe(kAlice);
    auto cleared = notifier.subscribe(kBob);
    auto start = Notifier::Clock::now();
    notifier.set_deadline(*moved, start + milliseconds(30));
    notifier.set_deadline(*cleared, start + milliseconds(30));
    for (int i = 1; i <= 20; ++i) // moved later again and again, like a stream's heartbeat
        notifier.set_deadline(*moved, start + milliseconds(30 + 10 * i));
    notifier.clear_deadline(*cleared);
    EXPECT_EQ(notifier.deadlines(), 2u) << "moving a deadline later leaves its entry in place";

    io.run_for(milliseconds(150));
    EXPECT_FALSE(moved->expired) << "fired at a deadline it had moved away from";
    EXPECT_FALSE(cleared->expired) << "fired after it was cleared";
    EXPECT_EQ(notifier.deadlines(), 1u) << "the cleared entry is dropped when it comes up";

    io.restart();
    io.run_for(milliseconds(200));
    EXPECT_TRUE(moved->expired) << "the moved deadline (start + 230 ms) has passed";
    EXPECT_GE(Notifier::Clock::now() - start, milliseconds(230));

    // Moving a deadline earlier takes effect at once.
    notifier.set_deadline(*cleared, Notifier::Clock::now() + seconds(60));
    notifier.set_deadline(*cleared, Notifier::Clock::now() + milliseconds(20));
    io.restart();
    io.run_for(milliseconds(100));
    EXPECT_TRUE(cleared->expired);

    // A waiter that goes leaves no entry behind (the entry points at it).
    notifier.set_deadline(*moved, Notifier::Clock::now() + seconds(60));
    notifier.unsubscribe(kAlice, moved);
    notifier.unsubscribe(kBob, cleared);
    EXPECT_EQ(notifier.deadlines(), 0u);
}
