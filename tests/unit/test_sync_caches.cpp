// The sync caches as the notifier keeps them: what a wake path must change, and when an entry
// must not be trusted.
#include "sync/notifier.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

using myelin::sync::Notifier;
using myelin::sync::UnreadCounts;

namespace {

const std::string kRoom = "!room:example.org";
const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";

struct SyncCachesTest : ::testing::Test {
    boost::asio::io_context io;
    Notifier notifier{io.get_executor(), [](const std::string& room_id) {
                          return room_id == kRoom ? std::vector<std::string>{kAlice, kBob}
                                                  : std::vector<std::string>{};
                      }};
    std::int64_t position = 10; // the store's newest position
    myelin::sync::SyncCaches& caches = notifier.caches();
    SyncCachesTest() {
        caches.set_position_source([this] { return position; });
    }
    static UnreadCounts one(std::int64_t n) {
        return UnreadCounts{{"main", myelin::store::UnreadCount{n, 0}}};
    }
};

TEST_F(SyncCachesTest, PerUserChangesComeFromWakeUserAndMembershipTargets) {
    EXPECT_TRUE(caches.user_quiet(kAlice, 10, 12));
    EXPECT_FALSE(caches.user_quiet(kAlice, 9, 12)) << "older than the index: ask the store";
    position = 11;
    notifier.wake_user(kAlice); // account data, to-device, ...
    EXPECT_FALSE(caches.user_quiet(kAlice, 10, 12));
    EXPECT_TRUE(caches.user_quiet(kAlice, 11, 12));
    // A room message wakes bob but is nothing of bob's own.
    notifier.on_room_event(kRoom, nullptr, nullptr, 12);
    EXPECT_TRUE(caches.user_quiet(kBob, 10, 12));
    // A membership event is the target's own change.
    position = 13;
    std::string join = "join";
    notifier.on_room_event(kRoom, &kBob, &join, 13);
    EXPECT_FALSE(caches.user_quiet(kBob, 12, 13));
    // Presence is not per-user data (it is read by range).
    position = 14;
    notifier.wake_user(kAlice, Notifier::Topic::presence);
    EXPECT_TRUE(caches.user_quiet(kAlice, 11, 14));
}

TEST_F(SyncCachesTest, NothingIsTrustedPastCompleteUpTo) {
    caches.complete_up_to = [] { return std::int64_t{11}; };
    EXPECT_TRUE(caches.user_quiet(kAlice, 10, 11));
    EXPECT_FALSE(caches.user_quiet(kAlice, 10, 12));
    caches.put_unread(kAlice, kRoom, 11, one(1));
    EXPECT_FALSE(caches.unread(kAlice, kRoom, 12).has_value());
    EXPECT_TRUE(caches.unread(kAlice, kRoom, 11).has_value());
}

TEST_F(SyncCachesTest, UnreadCountsFollowPushActionsReceiptsAndForeignEvents) {
    caches.put_unread(kAlice, kRoom, 10, one(2));
    // A local event: its push actions are counted, then the notifier hears of the event.
    notifier.on_push_actions(kRoom, 11, {{kAlice, kRoom, 11, "main", true}});
    notifier.on_room_event(kRoom, nullptr, nullptr, 11);
    auto c = caches.unread(kAlice, kRoom, 11);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ((*c)["main"].notifications, 3);
    EXPECT_EQ((*c)["main"].highlights, 1);
    // A receipt drops the user's entry.
    notifier.on_receipt(kRoom, kAlice);
    EXPECT_FALSE(caches.unread(kAlice, kRoom, 11).has_value());
    // An event whose push actions this process did not store (another process): the room's
    // entries are dropped.
    caches.put_unread(kBob, kRoom, 11, one(1));
    notifier.on_room_event(kRoom, nullptr, nullptr, 12);
    EXPECT_FALSE(caches.unread(kBob, kRoom, 12).has_value());
}

TEST_F(SyncCachesTest, KeyCountsDroppedOnChange) {
    caches.put_key_counts(kAlice, "DEV", {{{"signed_curve25519", 5}}, {}});
    ASSERT_NE(caches.key_counts(kAlice, "DEV", 10), nullptr);
    notifier.on_key_counts_changed(kAlice);
    EXPECT_EQ(caches.key_counts(kAlice, "DEV", 10), nullptr);
}

TEST_F(SyncCachesTest, MaxPositionIsReadAgainAfterAnyNotifierCallOrWhenBehindSince) {
    int reads = 0;
    auto read = [&] {
        ++reads;
        return position;
    };
    EXPECT_EQ(caches.max_position(read, 0), 10);
    position = 11; // written, not yet announced
    EXPECT_EQ(caches.max_position(read, 0), 10);
    EXPECT_EQ(reads, 1);
    EXPECT_EQ(caches.max_position(read, 11), 11) << "a token never goes backwards";
    position = 12;
    notifier.on_room_event(kRoom, nullptr, nullptr, 12);
    EXPECT_EQ(caches.max_position(read, 0), 12);
    EXPECT_EQ(reads, 3);
}

} // namespace

TEST_F(SyncCachesTest, RoomsChangedComeFromTheLogOnlyWhereItIsComplete) {
    const std::string other = "!other:example.org";
    notifier.on_room_event(kRoom, nullptr, nullptr, 11);
    notifier.on_room_event(other, nullptr, nullptr, 13);
    notifier.on_room_event(kRoom, nullptr, nullptr, 14);
    notifier.on_room_event(other, nullptr, nullptr, 12); // out of order: put in its place
    using Rooms = std::vector<std::string>;
    EXPECT_EQ(caches.rooms_changed_between(10, 14), (Rooms{kRoom, other}));
    EXPECT_EQ(caches.rooms_changed_between(11, 13), (Rooms{other}));
    EXPECT_EQ(caches.rooms_changed_between(12, 14), (Rooms{other, kRoom}));
    EXPECT_EQ(caches.rooms_changed_between(14, 14), Rooms{});
    EXPECT_FALSE(caches.rooms_changed_between(9, 14)) << "before the process started: the store";
    caches.complete_up_to = [] { return std::int64_t{13}; };
    EXPECT_TRUE(caches.rooms_changed_between(10, 13));
    EXPECT_FALSE(caches.rooms_changed_between(10, 14)) << "not every event up to 14 heard of";
}

TEST_F(SyncCachesTest, AUsersFewRoomsAreWalkedInsteadOfAManyEventRange) {
    const std::string other = "!other:example.org";
    for (std::int64_t p = 11; p <= 20; ++p)
        notifier.on_room_event(p == 15 ? kRoom : other, nullptr, nullptr, p);
    EXPECT_EQ(caches.room_log_entries(10, 20), 10u);
    EXPECT_EQ(caches.room_log_entries(15, 17), 2u);
    EXPECT_FALSE(caches.room_log_entries(9, 20));
    using Rooms = std::vector<std::string>;
    const Rooms mine{kRoom, "!quiet:example.org"};
    EXPECT_EQ(caches.rooms_changed_between(10, 20, &mine), Rooms{kRoom});
    EXPECT_EQ(caches.rooms_changed_between(15, 20, &mine), Rooms{}) << "kRoom's event is at 15";
    const Rooms many{kRoom, other, "!a:x", "!b:x", "!c:x", "!d:x"};
    EXPECT_EQ(caches.rooms_changed_between(16, 20, &many), Rooms{other}) << "range walked";

    // The joined rooms are forgotten when a membership of the user's changes.
    caches.put_joined_rooms(kAlice, 20, mine);
    ASSERT_NE(caches.joined_rooms(kAlice, 20), nullptr);
    EXPECT_EQ(*caches.joined_rooms(kAlice, 20), mine);
    std::string leave = "leave";
    notifier.on_room_event(kRoom, &kAlice, &leave, 21);
    EXPECT_EQ(caches.joined_rooms(kAlice, 21), nullptr);
    caches.put_joined_rooms(kBob, 21, mine);
    caches.complete_up_to = [] { return std::int64_t{20}; };
    EXPECT_EQ(caches.joined_rooms(kBob, 21), nullptr) << "not every change up to 21 heard of";
}
