// The record of positions that hold only a presence change, and the floor a sync's range
// caches are keyed by.
#include "presence/presence_positions.hpp"
#include <gtest/gtest.h>

using myelin::presence::PresenceOnlyPositions;

namespace {
PresenceOnlyPositions with(std::initializer_list<std::int64_t> positions) {
    PresenceOnlyPositions p;
    for (auto pos : positions)
        p.add(pos);
    return p;
}
} // namespace

TEST(PresenceOnlyPositions, FloorOfAnUnknownPositionIsItself) {
    PresenceOnlyPositions p;
    EXPECT_EQ(p.floor(0), 0);
    EXPECT_EQ(p.floor(42), 42);
    p.add(10);
    EXPECT_EQ(p.floor(9), 9);
    EXPECT_EQ(p.floor(11), 11);
}

TEST(PresenceOnlyPositions, FloorGoesBackOverAContiguousRun) {
    PresenceOnlyPositions p;
    for (std::int64_t pos = 11; pos <= 20; ++pos)
        p.add(pos);
    EXPECT_EQ(p.runs(), 1u);
    // (10, x] is all presence for every x in 11..20.
    for (std::int64_t x = 11; x <= 20; ++x)
        EXPECT_EQ(p.floor(x), 10) << x;
    EXPECT_EQ(p.floor(10), 10);
    EXPECT_EQ(p.floor(21), 21);
}

TEST(PresenceOnlyPositions, AGapStopsTheFloor) {
    auto p = with({5, 6, 8, 9}); // 7: something else (an event)
    EXPECT_EQ(p.runs(), 2u);
    for (auto [x, floor] : {std::pair{6, 4}, {7, 7}, {8, 7}, {9, 7}})
        EXPECT_EQ(p.floor(x), floor) << x;
}

TEST(PresenceOnlyPositions, RunsMergeInAnyOrder) {
    auto p = with({3, 7, 5});
    EXPECT_EQ(p.runs(), 3u);
    p.add(4); // joins 3 and 5
    EXPECT_EQ(p.runs(), 2u);
    EXPECT_EQ(p.floor(5), 2);
    p.add(6); // joins 3..5 and 7
    EXPECT_EQ(p.runs(), 1u);
    EXPECT_EQ(p.floor(7), 2);
    p.add(2); // extends at the front
    EXPECT_EQ(p.floor(7), 1);
    p.add(5); // known already
    EXPECT_EQ(p.runs(), 1u);
    EXPECT_EQ(p.floor(7), 1);
}

TEST(PresenceOnlyPositions, BoundedByForgettingTheOldestRuns) {
    PresenceOnlyPositions p(3);
    for (std::int64_t pos : {10, 20, 30, 40})
        p.add(pos);
    EXPECT_EQ(p.runs(), 3u);
    EXPECT_EQ(p.floor(10), 10); // forgotten: no longer crossed
    EXPECT_EQ(p.floor(20), 19);
    EXPECT_EQ(p.floor(40), 39);
}
