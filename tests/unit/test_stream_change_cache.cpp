#include "sync/stream_change_cache.hpp"

#include <gtest/gtest.h>

using myelin::sync::StreamChangeCache;

TEST(StreamChangeCache, AnswersFromTheNewestChangeOfEachKey) {
    StreamChangeCache<std::string> c("test", 10);
    c.reset(100);
    c.changed("a", 105);
    c.changed("a", 110);
    c.changed("b", 107);
    EXPECT_TRUE(c.may_have_changed("a", 109));
    EXPECT_FALSE(c.may_have_changed("a", 110));
    EXPECT_TRUE(c.may_have_changed("b", 100));
    EXPECT_FALSE(c.may_have_changed("b", 107));
    EXPECT_FALSE(c.may_have_changed("never", 100));
    // Before the cache knew anything: maybe.
    EXPECT_TRUE(c.may_have_changed("never", 99));
    c.changed("a", 104); // an older report does not hide the newer one
    EXPECT_TRUE(c.may_have_changed("a", 109));
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.misses(), 1u);
    EXPECT_EQ(c.hits(), 6u);
}

TEST(StreamChangeCache, StaysWithinItsBoundAndForgetsHonestly) {
    StreamChangeCache<int> c("bounded", 3);
    c.reset(0);
    for (int k = 1; k <= 5; ++k)
        c.changed(k, 10 * k); // keys 1..5 at positions 10..50
    EXPECT_EQ(c.size(), 3u);
    // Keys 1 and 2 were dropped: nothing at or below 20 is known any more.
    EXPECT_EQ(c.earliest(), 20);
    EXPECT_TRUE(c.may_have_changed(1, 15));  // unknown: maybe
    EXPECT_FALSE(c.may_have_changed(1, 20)); // known: key 1 has not changed after 20
    EXPECT_TRUE(c.may_have_changed(5, 45));
    // Touching a key moves it to the newest end: it survives the next eviction.
    c.changed(3, 60);
    c.changed(6, 70);
    EXPECT_EQ(c.earliest(), 40);
    EXPECT_TRUE(c.may_have_changed(3, 50));
    EXPECT_FALSE(c.may_have_changed(4, 40)); // key 4 (at 40) was dropped, known up to 40
}
