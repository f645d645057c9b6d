// How downloads are served: inline-safe types, RFC 6266 file names, byte ranges.
#include "media/content_headers.hpp"
#include "media/media_service.hpp"

#include <gtest/gtest.h>

using namespace myelin::media;

TEST(MediaHeaders, OnlyTheSpecsSafeTypesAreInline) {
    EXPECT_TRUE(inline_safe("image/png"));
    EXPECT_TRUE(inline_safe("IMAGE/JPEG"));
    EXPECT_TRUE(inline_safe("text/plain; charset=utf-8"));
    EXPECT_FALSE(inline_safe("text/html"));
    EXPECT_FALSE(inline_safe("image/svg+xml")); // script can live in an SVG
    EXPECT_FALSE(inline_safe("application/javascript"));
    EXPECT_FALSE(inline_safe(""));
}

TEST(MediaHeaders, FileNamesAreQuotedAndEncoded) {
    EXPECT_EQ(content_disposition("image/png", std::nullopt), "inline");
    EXPECT_EQ(content_disposition("text/html", std::string("a.html")),
              "attachment; filename=\"a.html\"");
    // Quotes, backslashes and control characters never reach the quoted form.
    EXPECT_EQ(content_disposition("image/png", std::string("a\"b\\c\r\n.png")),
              "inline; filename=\"a_b_c__.png\"; filename*=utf-8''a%22b%5Cc%0D%0A.png");
    EXPECT_EQ(content_disposition("text/plain", std::string("日本.txt")),
              "inline; filename=\"__.txt\"; filename*=utf-8''%E6%97%A5%E6%9C%AC.txt");
}

TEST(MediaHeaders, RangesAreParsedAgainstTheFileSize) {
    bool unsat = false;
    auto r = parse_range("bytes=10-19", 100, unsat);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->first, 10);
    EXPECT_EQ(r->last, 19);
    r = parse_range("bytes=90-", 100, unsat);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->last, 99);
    r = parse_range("bytes=-5", 100, unsat);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->first, 95);
    r = parse_range("bytes=50-500", 100, unsat); // clamped to the end
    ASSERT_TRUE(r);
    EXPECT_EQ(r->last, 99);
    EXPECT_FALSE(parse_range("bytes=100-", 100, unsat));
    EXPECT_TRUE(unsat);
    EXPECT_FALSE(parse_range("bytes=-0", 100, unsat));
    EXPECT_TRUE(unsat);
    // Not one satisfiable range we serve: the whole file, not an error.
    for (const char* h : {"bytes=5-1", "bytes=1-2,5-6", "items=1-2", "bytes=a-b", "bytes=-",
                          "bytes=99999999999999999999-"}) {
        EXPECT_FALSE(parse_range(h, 100, unsat)) << h;
        EXPECT_FALSE(unsat) << h;
    }
}

TEST(MediaHeaders, MediaIdsAreTwentyFourLetters) {
    EXPECT_TRUE(MediaService::valid_media_id("abcdefghijklmnopqrstuvwX"));
    EXPECT_FALSE(MediaService::valid_media_id("abcdefghijklmnopqrstuvw"));
    EXPECT_FALSE(MediaService::valid_media_id("../../../../etc/passwdxx"));
    EXPECT_FALSE(MediaService::valid_media_id("abcdefghijklmnopqrstuv1X"));
}
