// Canonical JSON (spec "Appendices: Canonical JSON"): the appendix examples verbatim, the
// grammar's escapes, code point key order, and the integer-only number range.
#include "event/canonical_json.hpp"
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <type_traits>

namespace json = boost::json;
using myelin::event::canonical_json;
using myelin::event::CanonicalJsonError;
using myelin::event::fits_canonical_json;

namespace {
std::string canon(std::string_view text) {
    return canonical_json(json::parse(text));
}
// A one-key object whose string value is `s`, encoded.
std::string canon_str(std::string_view s) {
    return canonical_json(json::object{{"a", json::string(s)}});
}
} // namespace

static_assert(std::is_base_of_v<std::runtime_error, CanonicalJsonError>);

TEST(CanonicalJsonAppendix, ExamplesVerbatim) {
    EXPECT_EQ(canon("{}"), "{}");
    EXPECT_EQ(canon(R"({
    "one": 1,
    "two": "Two"
})"),
              R"({"one":1,"two":"Two"})");
    EXPECT_EQ(canon(R"({
    "b": "2",
    "a": "1"
})"),
              R"({"a":"1","b":"2"})");
    EXPECT_EQ(canon(R"({"b":"2","a":"1"})"), R"({"a":"1","b":"2"})");
    EXPECT_EQ(
        canon(R"({
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                {
                    "medium": "email",
                    "address": "john.doe@example.org"
                },
                {
                    "medium": "msisdn",
                    "address": "123456789"
                }
            ]
        }
    }
})"),
        R"({"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}})");
    EXPECT_EQ(canon(R"({
    "a": "日本語"
})"),
              R"({"a":"日本語"})");
    EXPECT_EQ(canon(R"({
    "本": 2,
    "日": 1
})"),
              R"({"日":1,"本":2})");
    EXPECT_EQ(canon(R"({
    "a": "\u65E5"
})"),
              R"({"a":"日"})");
    EXPECT_EQ(canon(R"({
    "a": null
})"),
              R"({"a":null})");
    // The spec's own example: -0 and 1e10 are integers written oddly, so they are accepted.
    EXPECT_EQ(canon(R"({
    "a": -0,
    "b": 1e10
})"),
              R"({"a":0,"b":10000000000})");
}

TEST(CanonicalJsonEncoding, ShortEscapesForQuoteBackslashAndNamedControls) {
    EXPECT_EQ(canon_str("\""), R"({"a":"\""})");
    EXPECT_EQ(canon_str("\\"), R"({"a":"\\"})");
    EXPECT_EQ(canon_str("\b"), R"({"a":"\b"})");
    EXPECT_EQ(canon_str("\f"), R"({"a":"\f"})");
    EXPECT_EQ(canon_str("\n"), R"({"a":"\n"})");
    EXPECT_EQ(canon_str("\r"), R"({"a":"\r"})");
    EXPECT_EQ(canon_str("\t"), R"({"a":"\t"})");
}

TEST(CanonicalJsonEncoding, OtherControlsAsLowercaseUnicodeEscapes) {
    EXPECT_EQ(canon_str(std::string_view("\0", 1)), R"({"a":"\u0000"})");
    EXPECT_EQ(canon_str("\x01"), R"({"a":"\u0001"})");
    EXPECT_EQ(canon_str("\x0b"), R"({"a":"\u000b"})");
    EXPECT_EQ(canon_str("\x0e"), R"({"a":"\u000e"})");
    EXPECT_EQ(canon_str("\x1f"), R"({"a":"\u001f"})");
    // Escapes inside keys follow the same rules.
    EXPECT_EQ(canonical_json(json::object{{"k\n\x1b", 1}}), R"({"k\n\u001b":1})");
}

TEST(CanonicalJsonEncoding, EverythingElseIsRawUtf8) {
    // 0x20 and up (DEL, '/', non-ASCII, astral plane) are "unescaped" in the grammar.
    EXPECT_EQ(canon_str(" /\x7f"), "{\"a\":\" /\x7f\"}");
    EXPECT_EQ(canon_str("é€😀"), R"({"a":"é€😀"})");
    // Escaped input comes out raw: \u00e9 and a surrogate pair for U+1F600.
    EXPECT_EQ(canon(R"({"a":"\u00e9\ud83d\ude00\/"})"), R"({"a":"é😀/"})");
}

TEST(CanonicalJsonEncoding, KeysSortByCodePoint) {
    EXPECT_EQ(canon(R"({"b":1,"aa":2,"a":3,"B":4,"_":5})"), R"({"B":4,"_":5,"a":3,"aa":2,"b":1})");
    // U+00E9 sorts after 'z' (a signed-char comparison would put it first).
    EXPECT_EQ(canon(R"({"é":1,"z":2})"), R"({"z":2,"é":1})");
    // U+FF61 before U+1F600 by code point, though UTF-16 code units would order them the other
    // way round (0xD83D < 0xFF61).
    EXPECT_EQ(canon(R"({"😀":1,"｡":2})"), R"({"｡":2,"😀":1})");
}

TEST(CanonicalJsonEncoding, NestingArraysAndScalars) {
    EXPECT_EQ(canon(R"( [ 3 , {"y":[],"x":{}} , "s" , true , false , null , -7 ] )"),
              R"([3,{"x":{},"y":[]},"s",true,false,null,-7])");
    EXPECT_EQ(canon(R"({"z":{"b":[{"d":1,"c":2}],"a":0}})"),
              R"({"z":{"a":0,"b":[{"c":2,"d":1}]}})");
    EXPECT_EQ(canon("\"x\""), "\"x\"");
    EXPECT_EQ(canon("0"), "0");
}

TEST(CanonicalJsonNumbers, RangeIsPlusMinusTwoToThe53MinusOne) {
    EXPECT_EQ(canon("9007199254740991"), "9007199254740991");
    EXPECT_EQ(canon("-9007199254740991"), "-9007199254740991");
    EXPECT_THROW(canon("9007199254740992"), CanonicalJsonError);
    EXPECT_THROW(canon("-9007199254740992"), CanonicalJsonError);
    EXPECT_THROW(canon("18446744073709551615"), CanonicalJsonError); // parsed as uint64
    EXPECT_THROW(canonical_json(json::value(std::numeric_limits<std::int64_t>::min())),
                 CanonicalJsonError);
    EXPECT_THROW(canonical_json(json::value(std::uint64_t{1} << 53)), CanonicalJsonError);
    EXPECT_EQ(canonical_json(json::value((std::uint64_t{1} << 53) - 1)), "9007199254740991");
}

TEST(CanonicalJsonNumbers, FloatsAreRefused) {
    EXPECT_THROW(canon(R"({"a":1.5})"), CanonicalJsonError);
    EXPECT_THROW(canon(R"({"a":-0.25})"), CanonicalJsonError);
    EXPECT_THROW(canon(R"({"a":1e-3})"), CanonicalJsonError);
    EXPECT_THROW(canon(R"({"a":1e300})"), CanonicalJsonError); // integral but out of range
    EXPECT_THROW(canon(R"({"a":9007199254740992.0})"), CanonicalJsonError);
    EXPECT_THROW(canonical_json(json::value(std::numeric_limits<double>::quiet_NaN())),
                 CanonicalJsonError);
    EXPECT_THROW(canonical_json(json::value(std::numeric_limits<double>::infinity())),
                 CanonicalJsonError);
    // Deep inside arrays and objects too.
    EXPECT_THROW(canon(R"({"a":[{"b":[1,2,{"c":0.5}]}]})"), CanonicalJsonError);
}

// fits_canonical_json answers, without encoding, whether canonical_json would accept a value.
TEST(CanonicalJsonNumbers, FitsAgreesWithTheEncoder) {
    for (const char* text :
         {"9007199254740991", "-9007199254740991", "9007199254740992", "-9007199254740992",
          "18446744073709551615", "1e10", "-0.0", "1.5", "1e300",
          R"({"a":[{"b":[1,2,{"c":0.5}]}]})",
          R"({"a":[{"b":[1,2,{"c":5}]}],"d":null,"e":"1.5","f":true})", "[]", "{}"}) {
        auto v = json::parse(text);
        bool encodes = true;
        try {
            canonical_json(v);
        } catch (const CanonicalJsonError&) {
            encodes = false;
        }
        EXPECT_EQ(fits_canonical_json(v), encodes) << text;
    }
    EXPECT_TRUE(fits_canonical_json(json::parse(R"({"a":[1,{"b":"c"}]})")));
    EXPECT_FALSE(fits_canonical_json(json::parse(R"({"a":[1,{"b":0.5}]})")));
    EXPECT_FALSE(fits_canonical_json(json::value(std::numeric_limits<std::int64_t>::min())));
}
