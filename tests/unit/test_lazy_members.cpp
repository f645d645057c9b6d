// The lazy-loading member cache: which member event a device has been sent in each room.
#include "sync/lazy_members.hpp"
#include <gtest/gtest.h>

using myelin::sync::LazyMemberCache;

namespace {
const std::string kDevice = "@alice:example.org|DEV";
const std::string kOther = "@bob:example.org|DEV";
const std::string kRoom = "!a:example.org";
const std::string kRoom2 = "!b:example.org";
const std::string kCarol = "@carol:example.org";
} // namespace

TEST(LazyMemberCache, HasOnlyTheExactEventOnceAcknowledged) {
    LazyMemberCache c;
    EXPECT_FALSE(c.has(kDevice, kRoom, kCarol, "$join", 100));
    c.record(kDevice, kRoom, kCarol, "$join", 50);
    EXPECT_FALSE(c.has(kDevice, kRoom, kCarol, "$join", 49)) << "not acknowledged yet";
    EXPECT_TRUE(c.has(kDevice, kRoom, kCarol, "$join", 50));
    EXPECT_FALSE(c.has(kDevice, kRoom, kCarol, "$rename", 100)) << "a newer member event";
    EXPECT_FALSE(c.has(kDevice, kRoom2, kCarol, "$join", 100)) << "another room";
    EXPECT_FALSE(c.has(kOther, kRoom, kCarol, "$join", 100)) << "another device";

    c.record(kDevice, kRoom, kCarol, "$join", 70); // sent again: the earlier position stays
    EXPECT_TRUE(c.has(kDevice, kRoom, kCarol, "$join", 60));
    c.record(kDevice, kRoom, kCarol, "$rename", 80);
    EXPECT_FALSE(c.has(kDevice, kRoom, kCarol, "$join", 100)) << "replaced by the newer event";
    EXPECT_TRUE(c.has(kDevice, kRoom, kCarol, "$rename", 80));
}

TEST(LazyMemberCache, ResetRoomForgetsOnlyThatRoomAndResetDeviceEverything) {
    LazyMemberCache c;
    for (int i = 0; i < 50; ++i) {
        auto member = "@m" + std::to_string(i) + ":example.org";
        c.record(kDevice, kRoom, member, "$a" + std::to_string(i), 10);
        c.record(kDevice, kRoom2, member, "$b" + std::to_string(i), 10);
        c.record(kOther, kRoom, member, "$a" + std::to_string(i), 10);
    }
    EXPECT_EQ(c.entries(kDevice), 100u);
    c.reset_room(kDevice, kRoom);
    EXPECT_EQ(c.entries(kDevice), 50u);
    for (int i = 0; i < 50; ++i) {
        auto member = "@m" + std::to_string(i) + ":example.org";
        EXPECT_FALSE(c.has(kDevice, kRoom, member, "$a" + std::to_string(i), 10));
        EXPECT_TRUE(c.has(kDevice, kRoom2, member, "$b" + std::to_string(i), 10));
        EXPECT_TRUE(c.has(kOther, kRoom, member, "$a" + std::to_string(i), 10));
    }
    c.reset_device(kDevice);
    EXPECT_EQ(c.entries(kDevice), 0u);
    EXPECT_EQ(c.entries(kOther), 50u);
}

TEST(LazyMemberCache, ADeviceThatOverflowsStartsAgain) {
    LazyMemberCache c;
    for (int i = 0; i < 20000; ++i)
        c.record(kDevice, kRoom, "@m" + std::to_string(i) + ":x", "$e" + std::to_string(i), 1);
    EXPECT_EQ(c.entries(kDevice), 20000u);
    c.record(kDevice, kRoom, kCarol, "$carol", 1);
    EXPECT_EQ(c.entries(kDevice), 1u) << "bounded: the full entry was dropped";
    EXPECT_TRUE(c.has(kDevice, kRoom, kCarol, "$carol", 1));
    EXPECT_FALSE(c.has(kDevice, kRoom, "@m0:x", "$e0", 1)) << "sent again (redundant, not wrong)";
}

TEST(LazyMemberCache, ResettingARoomWithNothingRecordedKeepsTheOthers) {
    LazyMemberCache c;
    c.record(kDevice, kRoom, kCarol, "$a", 5);
    c.reset_room(kDevice, kRoom2); // nothing recorded there
    EXPECT_TRUE(c.has(kDevice, kRoom, kCarol, "$a", 5));
    c.reset_room(kDevice, kRoom);
    EXPECT_FALSE(c.has(kDevice, kRoom, kCarol, "$a", 5));
    c.record(kDevice, kRoom, kCarol, "$a", 6); // recorded again after a reset: counted again
    c.reset_room(kDevice, kRoom);
    EXPECT_EQ(c.entries(kDevice), 0u);
}
