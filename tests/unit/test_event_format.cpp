// Canonical JSON, signing, content/reference hashes and redaction, checked against the
// examples in the spec's appendices where the spec gives them.
#include "event/canonical_json.hpp"
#include "event/event_hash.hpp"
#include "event/redaction.hpp"
#include "event/signing_key.hpp"
#include "util/base64.hpp"
#include <gtest/gtest.h>

using namespace myelin;
namespace json = boost::json;

namespace {
std::string canon(std::string_view text) {
    return event::canonical_json(json::parse(text));
}

event::SigningKey spec_key() {
    // "Appendices: Signing JSON" example key: ed25519:1, seed below, server "domain".
    auto seed = util::base64_decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
    return event::SigningKey::from_seed(*seed, "1");
}

const event::RoomVersion& v(const char* id) {
    static std::map<std::string, event::RoomVersion> cache;
    return cache.try_emplace(id, *event::room_version(id)).first->second;
}
} // namespace

TEST(CanonicalJson, SpecAppendixExamples) {
    EXPECT_EQ(canon("{}"), "{}");
    EXPECT_EQ(canon(R"({"one": 1, "two": "Two"})"), R"({"one":1,"two":"Two"})");
    EXPECT_EQ(canon(R"({"b": "2", "a": "1"})"), R"({"a":"1","b":"2"})");
    EXPECT_EQ(canon(R"({"auth": {"success": true, "mxid": "@john.doe:example.com", "profile": {)"
                    R"("display_name": "John Doe", "three_pids": [{"medium": "email", "address": )"
                    R"("john.doe@example.org"}, {"medium": "msisdn", "address": "123456789"}]}}})"),
              R"({"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe",)"
              R"("three_pids":[{"address":"john.doe@example.org","medium":"email"},)"
              R"({"address":"123456789","medium":"msisdn"}]},"success":true}})");
    EXPECT_EQ(canon(R"({"a": "日本語"})"), R"({"a":"日本語"})");
    EXPECT_EQ(canon(R"({"本": 2, "日": 1})"), R"({"日":1,"本":2})");
    EXPECT_EQ(canon(R"({"a": "\u65E5"})"), R"({"a":"日"})");
    EXPECT_EQ(canon(R"({"a": null})"), R"({"a":null})");
    EXPECT_EQ(canon(R"({"a": -0, "b": 1e10})"), R"({"a":0,"b":10000000000})");
}

TEST(CanonicalJson, EscapesOnlyWhatJsonRequires) {
    EXPECT_EQ(canon(R"({"a": "q\"b\\s\n\t\u0001/é"})"), "{\"a\":\"q\\\"b\\\\s\\n\\t\\u0001/é\"}");
}

TEST(CanonicalJson, RefusesFloatsAndUnsafeIntegers) {
    EXPECT_THROW(canon(R"({"a": 1.5})"), event::CanonicalJsonError);
    EXPECT_THROW(canon(R"({"a": 9007199254740992})"), event::CanonicalJsonError);
    EXPECT_THROW(canon(R"({"a": -9007199254740992})"), event::CanonicalJsonError);
    EXPECT_EQ(canon(R"({"a": 9007199254740991})"), R"({"a":9007199254740991})");
}

TEST(Signing, SpecAppendixVectors) {
    auto key = spec_key();
    EXPECT_EQ(key.key_id(), "ed25519:1");
    json::object empty;
    key.sign_json(empty, "domain");
    EXPECT_EQ(
        json::serialize(empty["signatures"]),
        R"({"domain":{"ed25519:1":"K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}})");
    json::object two{{"one", 1}, {"two", "Two"}};
    key.sign_json(two, "domain");
    EXPECT_EQ(
        two["signatures"].at("domain").at("ed25519:1").as_string(),
        "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw");
    EXPECT_TRUE(event::verify_json_signature(two, "domain", "ed25519:1", key.public_key()));
    two["one"] = 2;
    EXPECT_FALSE(event::verify_json_signature(two, "domain", "ed25519:1", key.public_key()));
}

TEST(Signing, UnsignedAndOtherSignaturesAreKept) {
    auto key = spec_key();
    json::object o{{"a", 1}, {"unsigned", json::object{{"age", 5}}}};
    key.sign_json(o, "domain");
    EXPECT_EQ(o["unsigned"].at("age").as_int64(), 5);
    EXPECT_TRUE(event::verify_json_signature(o, "domain", "ed25519:1", key.public_key()));
    key.sign_json(o, "other");
    EXPECT_TRUE(o["signatures"].as_object().contains("domain"));
}

TEST(EventHash, SpecEventSigningExample) {
    // "Signing events" example in the appendix: content hash and signature of a minimal event.
    json::object e = json::parse(R"({"room_id":"!x:domain","sender":"@a:domain","origin":"domain",)"
                                 R"("origin_server_ts":1000000,"signatures":{},"hashes":{},)"
                                 R"("type":"X","content":{},"prev_events":[],"auth_events":[],)"
                                 R"("depth":3,"unsigned":{"age_ts":1000000}})")
                         .as_object();
    e.erase("signatures");
    event::add_content_hash(e);
    EXPECT_EQ(e["hashes"].at("sha256").as_string(), "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos");
    event::sign_event(e, spec_key(), "domain", v("10"));
    EXPECT_EQ(
        e["signatures"].at("domain").at("ed25519:1").as_string(),
        "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg");
}

TEST(EventHash, ReferenceHashIgnoresUnsignedAndSignaturesButNotContent) {
    json::object e{{"type", "m.room.message"},
                   {"room_id", "!r:x"},
                   {"sender", "@a:x"},
                   {"content", json::object{{"body", "hi"}}},
                   {"origin_server_ts", 1},
                   {"depth", 2},
                   {"prev_events", json::array{}},
                   {"auth_events", json::array{}}};
    event::add_content_hash(e);
    auto id = event::event_id_for(e, v("11"));
    EXPECT_EQ(id.size(), 44u); // "$" + 43 chars of unpadded base64 of 32 bytes
    EXPECT_EQ(id.find_first_of("+/="), std::string::npos) << "URL-safe alphabet";
    auto with_unsigned = e;
    with_unsigned["unsigned"] = json::object{{"age", 1}};
    with_unsigned["signatures"] = json::object{{"x", json::object{}}};
    EXPECT_EQ(event::event_id_for(with_unsigned, v("11")), id);
    // Redaction keeps the hashes, so the content hash ties the id to the content.
    auto changed = e;
    changed["content"].as_object()["body"] = "bye";
    event::add_content_hash(changed);
    EXPECT_NE(event::event_id_for(changed, v("11")), id);
    // A redacted copy has the same reference hash as the original.
    EXPECT_EQ(event::event_id_for(event::redact_event(e, v("11")), v("11")), id);
}

TEST(Redaction, KeepsOnlyTheSpecsKeysPerVersion) {
    json::object member =
        json::parse(R"({"type":"m.room.member","state_key":"@a:x","sender":"@a:x",)"
                    R"("origin":"x","membership":"join","content":{"membership":"join",)"
                    R"("displayname":"A","join_authorised_via_users_server":"@b:x"},)"
                    R"("unsigned":{"age":1}})")
            .as_object();
    auto r10 = event::redact_event(member, v("10"));
    EXPECT_EQ(json::serialize(r10["content"]),
              R"({"membership":"join","join_authorised_via_users_server":"@b:x"})");
    EXPECT_TRUE(r10.contains("origin"));
    EXPECT_FALSE(r10.contains("unsigned"));
    auto r11 = event::redact_event(member, v("11"));
    EXPECT_FALSE(r11.contains("origin"));
    EXPECT_FALSE(r11.contains("membership"));

    json::object create = json::parse(R"({"type":"m.room.create","content":{"creator":"@a:x",)"
                                      R"("room_version":"10","m.federate":false}})")
                              .as_object();
    EXPECT_EQ(json::serialize(event::redact_event(create, v("10"))["content"]),
              R"({"creator":"@a:x"})");
    EXPECT_EQ(event::redact_event(create, v("11"))["content"].as_object().size(), 3u);

    json::object pl = json::parse(R"({"type":"m.room.power_levels","content":{"ban":50,"invite":0,)"
                                  R"("notifications":{"room":50},"users":{"@a:x":100}}})")
                          .as_object();
    EXPECT_FALSE(event::redact_event(pl, v("10"))["content"].as_object().contains("invite"));
    EXPECT_TRUE(event::redact_event(pl, v("11"))["content"].as_object().contains("invite"));
    EXPECT_FALSE(event::redact_event(pl, v("11"))["content"].as_object().contains("notifications"));

    json::object red = json::parse(R"({"type":"m.room.redaction","content":{"redacts":"$e",)"
                                   R"("reason":"spam"}})")
                           .as_object();
    EXPECT_EQ(json::serialize(event::redact_event(red, v("10"))["content"]), "{}");
    EXPECT_EQ(json::serialize(event::redact_event(red, v("11"))["content"]), R"({"redacts":"$e"})");

    json::object jr =
        json::parse(R"({"type":"m.room.join_rules","content":{"join_rule":"restricted",)"
                    R"("allow":[{"type":"m.room_membership","room_id":"!r:x"}],"x":1}})")
            .as_object();
    EXPECT_EQ(event::redact_event(jr, v("12"))["content"].as_object().size(), 2u);
    json::object msg =
        json::parse(R"({"type":"m.room.message","content":{"body":"secret"}})").as_object();
    EXPECT_TRUE(event::redact_event(msg, v("12"))["content"].as_object().empty());
}

TEST(Base64, RoundTripsBothAlphabets) {
    std::string bytes("\xfb\xff\x00\x10 abc", 8);
    auto std_ = util::base64_encode(bytes);
    auto url = util::base64url_encode(bytes);
    EXPECT_EQ(std_.find('='), std::string::npos);
    EXPECT_NE(std_, url);
    EXPECT_EQ(util::base64_decode(std_), bytes);
    EXPECT_EQ(util::base64_decode(url), bytes);
    EXPECT_EQ(util::base64_decode(std_ + "="), bytes);
    EXPECT_FALSE(util::base64_decode("!!!!").has_value());
}
