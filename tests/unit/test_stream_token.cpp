#include "util/stream_token.hpp"

#include <gtest/gtest.h>

using namespace myelin::tokens;

TEST(StreamToken, SyncTokensRoundTripWithAndWithoutACursor) {
    for (const SyncToken& t : {SyncToken{0, 0, std::nullopt}, SyncToken{42, 7, std::nullopt},
                               SyncToken{1000, 3, 999}, SyncToken{5, 0, 0}}) {
        auto text = format_sync_token(t);
        EXPECT_EQ(parse_sync_token(text), t) << text;
        EXPECT_EQ(parse_position_token(text), t.pos) << text;
    }
    EXPECT_EQ(format_sync_token({12, 4, 9}), "s12_4_9");
}

TEST(StreamToken, APaginationTokenIsASyncTokenAtTypingZero) {
    EXPECT_EQ(position_token(17), "s17");
    EXPECT_EQ(parse_position_token("s17"), 17);
    EXPECT_EQ(parse_sync_token("s17"), (SyncToken{17, 0, std::nullopt}));
}

TEST(StreamToken, MalformedTokensAreRefused) {
    for (const char* bad :
         {"", "s", "17", "x17", "s-1", "s1x", "s 1", "s1_", "s1_x", "s1_2_", "s1_2_x", "s1_-2",
          "s99999999999999999999", "s5_1_5" /* the cursor must be below the position */, "s5_1_6",
          "s5_1_2_3", "S5"}) {
        EXPECT_FALSE(parse_sync_token(bad).has_value()) << bad;
    }
    for (const char* bad : {"", "s", "17", "s-1", "s1x", "s99999999999999999999"})
        EXPECT_FALSE(parse_position_token(bad).has_value()) << bad;
}
