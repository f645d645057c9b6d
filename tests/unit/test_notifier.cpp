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
