#include "util/ids.hpp"
#include <gtest/gtest.h>

using namespace myelin;

TEST(Ids, NewLocalpartGrammar) {
    EXPECT_TRUE(ids::valid_new_localpart("alice"));
    EXPECT_TRUE(ids::valid_new_localpart("a.b_c=d-e/f+g9"));
    EXPECT_FALSE(ids::valid_new_localpart(""));
    EXPECT_FALSE(ids::valid_new_localpart("Alice"));
    EXPECT_FALSE(ids::valid_new_localpart("al ice"));
    EXPECT_FALSE(ids::valid_new_localpart("al:ice"));
    EXPECT_FALSE(ids::valid_new_localpart("é"));
}

TEST(Ids, UserIds) {
    EXPECT_TRUE(ids::valid_user_id("@alice:example.org"));
    EXPECT_TRUE(ids::valid_user_id("@alice:localhost:8448"));
    EXPECT_TRUE(ids::valid_user_id("@Old_Style!:[::1]:8448"));
    EXPECT_FALSE(ids::valid_user_id("alice:example.org"));
    EXPECT_FALSE(ids::valid_user_id("@alice"));
    EXPECT_FALSE(ids::valid_user_id("@:example.org"));
    EXPECT_FALSE(ids::valid_user_id("@alice:exa mple.org"));
    EXPECT_FALSE(ids::valid_user_id("@alice:host:99999x"));
    EXPECT_FALSE(ids::valid_user_id("@" + std::string(260, 'a') + ":x"));
}

TEST(Ids, LocalLocalpart) {
    EXPECT_EQ(ids::local_localpart("@bob:hs", "hs"), "bob");
    EXPECT_EQ(ids::local_localpart("@bob:other", "hs"), std::nullopt);
    EXPECT_EQ(ids::server_of("!room:hs.example"), "hs.example");
}
