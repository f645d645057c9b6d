// Signing JSON and events (spec "Appendices: Signing JSON" and "Cryptographic Test Vectors"):
// the spec's vectors verbatim, then what the procedure must keep, drop and reject.
#include "event/canonical_json.hpp"
#include "event/event_hash.hpp"
#include "event/redaction.hpp"
#include "event/room_version.hpp"
#include "event/signing_key.hpp"
#include "util/base64.hpp"
#include <gtest/gtest.h>
#include <regex>

namespace json = boost::json;
using myelin::event::SigningKey;
using myelin::event::verify_json_signature;

namespace {
// "Cryptographic Test Vectors: Signing Key": this seed, SERVER_NAME "domain", KEY_ID "ed25519:1".
SigningKey vector_key() {
    auto seed = myelin::util::base64_decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
    EXPECT_TRUE(seed.has_value());
    return SigningKey::from_seed(seed.value_or(std::string(32, '\0')), "1");
}

json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

myelin::event::RoomVersion version(std::string_view id) {
    return myelin::event::room_version(id).value();
}

constexpr const char* kEmptySig =
    "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ";
constexpr const char* kOneTwoSig =
    "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw";
} // namespace

TEST(EventSigningVectors, KeyFromSpecSeed) {
    auto key = vector_key();
    EXPECT_EQ(key.key_id(), "ed25519:1");
    EXPECT_EQ(key.seed().size(), 32u);
    EXPECT_EQ(key.public_key().size(), 32u);
    EXPECT_EQ(myelin::util::base64_decode(key.public_key_base64()), key.public_key());
    EXPECT_EQ(key.public_key_base64().size(), 43u); // unpadded
}

TEST(EventSigningVectors, EmptyObject) {
    json::object o;
    vector_key().sign_json(o, "domain");
    EXPECT_EQ(json::value(o), json::parse(R"({
    "signatures": {
        "domain": {
            "ed25519:1": "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"
        }
    }
})"));
}

TEST(EventSigningVectors, ObjectWithData) {
    auto o = obj(R"({
    "one": 1,
    "two": "Two"
})");
    vector_key().sign_json(o, "domain");
    EXPECT_EQ(json::value(o), json::parse(R"({
    "one": 1,
    "signatures": {
        "domain": {
            "ed25519:1": "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"
        }
    },
    "two": "Two"
})"));
}

TEST(EventSigningVectors, MinimalEvent) {
    // The spec vectors predate room v11: `origin` survives redaction, as in v10.
    auto e = obj(R"({
    "room_id": "!x:domain",
    "sender": "@a:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "signatures": {},
    "hashes": {},
    "type": "X",
    "content": {},
    "prev_events": [],
    "auth_events": [],
    "depth": 3,
    "unsigned": {
        "age_ts": 1000000
    }
})");
    myelin::event::add_content_hash(e);
    myelin::event::sign_event(e, vector_key(), "domain", version("10"));
    EXPECT_EQ(json::value(e), json::parse(R"({
    "auth_events": [],
    "content": {},
    "depth": 3,
    "hashes": {
        "sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"
    },
    "origin": "domain",
    "origin_server_ts": 1000000,
    "prev_events": [],
    "room_id": "!x:domain",
    "sender": "@a:domain",
    "signatures": {
        "domain": {
            "ed25519:1": "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"
        }
    },
    "type": "X",
    "unsigned": {
        "age_ts": 1000000
    }
})"));
}

TEST(EventSigningVectors, EventWithRedactableContent) {
    auto e = obj(R"({
    "content": {
        "body": "Here is the message content"
    },
    "event_id": "$0:domain",
    "origin": "domain",
    "origin_server_ts": 1000000,
    "type": "m.room.message",
    "room_id": "!r:domain",
    "sender": "@u:domain",
    "signatures": {},
    "unsigned": {
        "age_ts": 1000000
    }
})");
    auto v11_copy = e;
    myelin::event::add_content_hash(e);
    myelin::event::sign_event(e, vector_key(), "domain", version("10"));
    EXPECT_EQ(json::value(e), json::parse(R"({
    "content": {
        "body": "Here is the message content"
    },
    "event_id": "$0:domain",
    "hashes": {
        "sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"
    },
    "origin": "domain",
    "origin_server_ts": 1000000,
    "type": "m.room.message",
    "room_id": "!r:domain",
    "sender": "@u:domain",
    "signatures": {
        "domain": {
            "ed25519:1": "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"
        }
    },
    "unsigned": {
        "age_ts": 1000000
    }
})"));
    // Under v11 `origin` is redacted away before signing, so the signature must differ.
    myelin::event::add_content_hash(v11_copy);
    myelin::event::sign_event(v11_copy, vector_key(), "domain", version("11"));
    EXPECT_NE(v11_copy["signatures"], e["signatures"]);
}

TEST(EventSigning, SignatureCoversRedactedEventOnly) {
    auto key = vector_key();
    for (const char* id : {"10", "11", "12"}) {
        auto v = version(id);
        auto e = obj(R"({"type":"m.room.message","room_id":"!r:domain","sender":"@u:domain",)"
                     R"("origin_server_ts":5,"depth":2,"prev_events":[],"auth_events":[],)"
                     R"("content":{"body":"hi"}})");
        myelin::event::add_content_hash(e);
        myelin::event::sign_event(e, key, "domain", v);
        auto redacted = myelin::event::redact_event(e, v);
        EXPECT_TRUE(verify_json_signature(redacted, "domain", "ed25519:1", key.public_key())) << id;
        // Over the full event the signature does not hold: the body was not signed directly.
        EXPECT_FALSE(verify_json_signature(e, "domain", "ed25519:1", key.public_key())) << id;
    }
}

TEST(EventSigning, UnsignedAndExistingSignaturesAreNotSigned) {
    auto key = vector_key();
    auto o =
        obj(R"({"one":1,"two":"Two","unsigned":{"age_ts":7},)"
            R"("signatures":{"other.example":{"ed25519:x":"abc"},"domain":{"ed25519:0":"old"}}})");
    key.sign_json(o, "domain");
    // Same signature as the spec's {"one":1,"two":"Two"} vector.
    EXPECT_EQ(o["signatures"].at("domain").at("ed25519:1"), kOneTwoSig);
    EXPECT_EQ(o["signatures"].at("domain").at("ed25519:0"), "old");
    EXPECT_EQ(o["signatures"].at("other.example").at("ed25519:x"), "abc");
    EXPECT_EQ(o["unsigned"], json::parse(R"({"age_ts":7})"));
    EXPECT_EQ(o.size(), 4u);
}

TEST(EventSigning, NonObjectSignaturesAreReplaced) {
    json::object o{{"signatures", "junk"}};
    vector_key().sign_json(o, "domain");
    EXPECT_EQ(json::value(o), json::parse(std::string(R"({"signatures":{"domain":{"ed25519:1":")") +
                                          kEmptySig + "\"}}}"));
}

TEST(EventSigning, VerifyAcceptsOnlyTheRightSignature) {
    auto key = vector_key();
    auto pk = key.public_key();
    auto o = obj(R"({"one":1,"two":"Two"})");
    key.sign_json(o, "domain");
    EXPECT_TRUE(verify_json_signature(o, "domain", "ed25519:1", pk));

    // Unsigned data and other servers' signatures may be added in transit.
    auto extra = o;
    extra["unsigned"] = json::object{{"age", 1}};
    extra["signatures"].as_object()["other"] = json::object{{"ed25519:2", "xyz"}};
    EXPECT_TRUE(verify_json_signature(extra, "domain", "ed25519:1", pk));

    EXPECT_FALSE(verify_json_signature(o, "other", "ed25519:1", pk));
    EXPECT_FALSE(verify_json_signature(o, "domain", "ed25519:2", pk));
    auto changed = o;
    changed["two"] = "two";
    EXPECT_FALSE(verify_json_signature(changed, "domain", "ed25519:1", pk));
    auto added = o;
    added["three"] = 3;
    EXPECT_FALSE(verify_json_signature(added, "domain", "ed25519:1", pk));
    // A number canonical JSON cannot hold (a client's key upload may carry one): not signed.
    for (const auto& odd : {json::value(1.5), json::value(std::int64_t{1} << 53)}) {
        auto unsignable = o;
        unsignable["three"] = odd;
        EXPECT_FALSE(verify_json_signature(unsignable, "domain", "ed25519:1", pk));
    }

    auto other_key = SigningKey::from_seed(std::string(32, 'k'), "1");
    EXPECT_FALSE(verify_json_signature(o, "domain", "ed25519:1", other_key.public_key()));
    EXPECT_FALSE(verify_json_signature(o, "domain", "ed25519:1", pk.substr(0, 31)));

    auto tampered = o;
    std::string sig(kOneTwoSig);
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    tampered["signatures"].at("domain").as_object()["ed25519:1"] = sig;
    EXPECT_FALSE(verify_json_signature(tampered, "domain", "ed25519:1", pk));
    tampered["signatures"].at("domain").as_object()["ed25519:1"] = "not base64!";
    EXPECT_FALSE(verify_json_signature(tampered, "domain", "ed25519:1", pk));
    tampered["signatures"].at("domain").as_object()["ed25519:1"] = 5;
    EXPECT_FALSE(verify_json_signature(tampered, "domain", "ed25519:1", pk));

    auto unsigned_obj = obj(R"({"one":1,"two":"Two"})");
    EXPECT_FALSE(verify_json_signature(unsigned_obj, "domain", "ed25519:1", pk));
}

TEST(EventSigning, VerifyAcceptsPaddedSignature) {
    // Decoders SHOULD accept padding ("Unpadded Base64" appendix).
    auto key = vector_key();
    auto o = obj(R"({"one":1,"two":"Two"})");
    o["signatures"] =
        json::object{{"domain", json::object{{"ed25519:1", std::string(kOneTwoSig) + "=="}}}};
    EXPECT_TRUE(verify_json_signature(o, "domain", "ed25519:1", key.public_key()));
}

TEST(SigningKeyTest, SignaturesAreDeterministicEd25519) {
    auto key = vector_key();
    auto sig = key.sign("{}");
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_EQ(key.sign("{}"), sig);
    EXPECT_EQ(myelin::util::base64_encode(sig), kEmptySig);
    EXPECT_NE(key.sign("{ }"), sig);
}

TEST(SigningKeyTest, GenerateMakesDistinctKeysWithValidVersions) {
    auto a = SigningKey::generate();
    auto b = SigningKey::generate();
    std::regex id_re("ed25519:[A-Za-z0-9_]{6}");
    EXPECT_TRUE(std::regex_match(a.key_id(), id_re)) << a.key_id();
    EXPECT_TRUE(std::regex_match(b.key_id(), id_re)) << b.key_id();
    EXPECT_NE(a.seed(), b.seed());
    EXPECT_NE(a.public_key(), b.public_key());
    EXPECT_EQ(a.seed().size(), 32u);
}

TEST(SigningKeyTest, SeedRoundTripRestoresTheKey) {
    auto a = SigningKey::generate();
    auto version = a.key_id().substr(a.key_id().find(':') + 1);
    auto b = SigningKey::from_seed(a.seed(), version);
    EXPECT_EQ(b.key_id(), a.key_id());
    EXPECT_EQ(b.public_key(), a.public_key());
    EXPECT_EQ(b.sign("payload"), a.sign("payload"));
    json::object o{{"x", 1}};
    a.sign_json(o, "example.org");
    EXPECT_TRUE(verify_json_signature(o, "example.org", a.key_id(), b.public_key()));
}

TEST(SigningKeyTest, SeedMustBe32Bytes) {
    EXPECT_THROW(SigningKey::from_seed(std::string(31, 'a'), "1"), std::invalid_argument);
    EXPECT_THROW(SigningKey::from_seed(std::string(33, 'a'), "1"), std::invalid_argument);
    EXPECT_THROW(SigningKey::from_seed("", "1"), std::invalid_argument);
}

TEST(UnpaddedBase64, SpecAppendixExamples) {
    using myelin::util::base64_encode;
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg");
    EXPECT_EQ(base64_encode("fo"), "Zm8");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(UnpaddedBase64, UrlSafeAlphabet) {
    // Bytes whose encoding uses digits 62 and 63:
    // python3 -c 'import base64;print(base64.b64encode(bytes([0xfb,0xef,0xbe,0xfb,0xff])))'
    const std::string bytes("\xfb\xef\xbe\xfb\xff", 5);
    EXPECT_EQ(myelin::util::base64_encode(bytes), "+++++/8");
    EXPECT_EQ(myelin::util::base64url_encode(bytes), "-----_8");
}

TEST(UnpaddedBase64, DecodeAcceptsPaddingAndEitherAlphabet) {
    using myelin::util::base64_decode;
    EXPECT_EQ(base64_decode("Zm9vYg"), "foob");
    EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
    EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
    EXPECT_EQ(base64_decode(""), "");
    const std::string bytes("\xfb\xef\xbe\xfb\xff", 5);
    EXPECT_EQ(base64_decode("+++++/8"), bytes);
    EXPECT_EQ(base64_decode("-----_8"), bytes);
    EXPECT_EQ(base64_decode("-----_8="), bytes);
    EXPECT_FALSE(base64_decode("Zm9v!g").has_value());
    EXPECT_FALSE(base64_decode("Zm9vY").has_value()); // 5 chars cannot end a base64 string
    EXPECT_FALSE(base64_decode("Zm=9v").has_value());
}
