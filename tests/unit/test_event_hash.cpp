// Content hashes, reference hashes, event ids (room v4+) and v12 room ids (MSC4291).
// Expected hashes not given by the spec were computed independently with Python (see comments).
#include "event/event_hash.hpp"
#include "event/redaction.hpp"
#include "event/room_version.hpp"
#include "util/base64.hpp"
#include <gtest/gtest.h>

namespace json = boost::json;
using namespace myelin::event;

namespace {
RoomVersion version(std::string_view id) {
    return room_version(id).value();
}

json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

// A v10-style message event (has `origin`) with non-ASCII content.
json::object message() {
    return obj(R"({"auth_events":["$a"],"content":{"body":"héllo 日本","msgtype":"m.text"},)"
               R"("depth":5,"origin":"example.org","origin_server_ts":1700000000000,)"
               R"("prev_events":["$p"],"room_id":"!r:example.org","sender":"@alice:example.org",)"
               R"("type":"m.room.message"})");
}

json::object create_v12() {
    return obj(R"({"auth_events":[],"content":{"m.federate":true,"room_version":"12"},)"
               R"("depth":1,"origin_server_ts":1700000000000,"prev_events":[],)"
               R"("sender":"@alice:example.org","state_key":"","type":"m.room.create"})");
}

bool url_safe_unpadded(std::string_view s) {
    return s.find_first_of("+/=") == std::string_view::npos;
}
} // namespace

TEST(EventHashing, ContentHashSpecVectors) {
    // "Cryptographic Test Vectors: Event Signing" (hashes.sha256 of the two events).
    EXPECT_EQ(content_hash_base64(obj(R"({"room_id":"!x:domain","sender":"@a:domain",)"
                                      R"("origin":"domain","origin_server_ts":1000000,)"
                                      R"("signatures":{},"hashes":{},"type":"X","content":{},)"
                                      R"("prev_events":[],"auth_events":[],"depth":3,)"
                                      R"("unsigned":{"age_ts":1000000}})")),
              "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos");
    EXPECT_EQ(content_hash_base64(obj(R"({"content":{"body":"Here is the message content"},)"
                                      R"("event_id":"$0:domain","origin":"domain",)"
                                      R"("origin_server_ts":1000000,"type":"m.room.message",)"
                                      R"("room_id":"!r:domain","sender":"@u:domain",)"
                                      R"("signatures":{},"unsigned":{"age_ts":1000000}})")),
              "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g");
}

TEST(EventHashing, ContentHashMatchesIndependentComputation) {
    // python3 -c 'import json,hashlib,base64;c=lambda
    // o:json.dumps(o,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode();e={"auth_events":["$a"],"content":{"body":"héllo
    // 日本","msgtype":"m.text"},"depth":5,"origin":"example.org","origin_server_ts":1700000000000,"prev_events":["$p"],"room_id":"!r:example.org","sender":"@alice:example.org","type":"m.room.message"};print(base64.b64encode(hashlib.sha256(c(e)).digest()).decode().rstrip("="))'
    EXPECT_EQ(content_hash_base64(message()), "yBwztk0dUOqeByf1wHjpPBVj/Csf5LPqA0gFaz0nigw");
}

TEST(EventHashing, ContentHashIgnoresUnsignedSignaturesAndHashes) {
    auto e = message();
    auto base = content_hash_base64(e);
    e["unsigned"] = json::object{{"age", 12}};
    e["signatures"] = json::object{{"example.org", json::object{{"ed25519:1", "sig"}}}};
    e["hashes"] = json::object{{"sha256", "whatever"}};
    EXPECT_EQ(content_hash_base64(e), base);
}

TEST(EventHashing, ContentHashCoversEverythingElse) {
    auto base = content_hash_base64(message());
    auto e = message();
    e["content"].as_object()["body"] = "hello";
    EXPECT_NE(content_hash_base64(e), base);
    e = message();
    e["depth"] = 6;
    EXPECT_NE(content_hash_base64(e), base);
    e = message();
    e["extra"] = json::object{};
    EXPECT_NE(content_hash_base64(e), base);
}

TEST(EventHashing, AddContentHashSetsAndReplacesHashes) {
    auto e = message();
    e["hashes"] = json::object{{"sha256", "stale"}, {"md5", "legacy"}};
    add_content_hash(e);
    EXPECT_EQ(e["hashes"],
              json::parse(R"({"sha256":"yBwztk0dUOqeByf1wHjpPBVj/Csf5LPqA0gFaz0nigw"})"));
    auto once = e;
    add_content_hash(e); // idempotent: the hash does not cover itself
    EXPECT_EQ(e, once);
}

TEST(EventHashing, EventIdMatchesIndependentComputation) {
    // Redacted by hand (content emptied; v11 also drops `origin`), then hashed:
    // python3 -c 'import json,hashlib,base64;c=lambda
    // o:json.dumps(o,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode();e={"auth_events":["$a"],"content":{"body":"héllo
    // 日本","msgtype":"m.text"},"depth":5,"origin":"example.org","origin_server_ts":1700000000000,"prev_events":["$p"],"room_id":"!r:example.org","sender":"@alice:example.org","type":"m.room.message"};h=base64.b64encode(hashlib.sha256(c(e)).digest()).decode().rstrip("=");r=dict(e,content={},hashes={"sha256":h});r11={k:v
    // for k,v in r.items() if k!="origin"};u=lambda
    // o:base64.urlsafe_b64encode(hashlib.sha256(c(o)).digest()).decode().rstrip("=");print(u(r),u(r11))'
    auto e = message();
    add_content_hash(e);
    EXPECT_EQ(event_id_for(e, version("10")), "$YSfEVbzhqHepIzHkt-jwgM_I8P7Y6lG9GREIr8mBqqU");
    EXPECT_EQ(event_id_for(e, version("11")), "$vaD4PU1ZmHN3dWLKEbUGP5fGQWVRouMI0VaRrmkxIRk");
    EXPECT_EQ(event_id_for(e, version("12")), "$vaD4PU1ZmHN3dWLKEbUGP5fGQWVRouMI0VaRrmkxIRk");
    EXPECT_EQ(reference_hash(e, version("11")),
              myelin::util::base64_decode("vaD4PU1ZmHN3dWLKEbUGP5fGQWVRouMI0VaRrmkxIRk").value());
}

TEST(EventHashing, RoomIdForV12CreateEvent) {
    // python3 -c 'import json,hashlib,base64;c=lambda
    // o:json.dumps(o,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode();e={"auth_events":[],"content":{"m.federate":True,"room_version":"12"},"depth":1,"origin_server_ts":1700000000000,"prev_events":[],"sender":"@alice:example.org","state_key":"","type":"m.room.create"};h=base64.b64encode(hashlib.sha256(c(e)).digest()).decode().rstrip("=");e["hashes"]={"sha256":h};print(h,"!"+base64.urlsafe_b64encode(hashlib.sha256(c(e)).digest()).decode().rstrip("="))'
    auto create = create_v12();
    add_content_hash(create);
    EXPECT_EQ(create["hashes"].at("sha256"), "yxuBvphseAD2OLLgsoAkTALKWMZ42XgKDjN2YNIfu3k");
    auto v12 = version("12");
    auto room_id = room_id_for_create_event(create, v12);
    EXPECT_EQ(room_id, "!BFtIQV3bUIEtKpdsAE4X5auERsX7I27-Evy4pePGYV8");
    // MSC4291: the room id is the create event's id with `!` for `$`.
    EXPECT_EQ(room_id.substr(1), event_id_for(create, v12).substr(1));
}

TEST(EventHashing, ReferenceHashShape) {
    auto e = message();
    add_content_hash(e);
    auto v = version("11");
    EXPECT_EQ(reference_hash(e, v).size(), 32u);
    auto id = event_id_for(e, v);
    ASSERT_EQ(id.size(), 44u); // "$" + 43 characters of unpadded base64
    EXPECT_EQ(id[0], '$');
    EXPECT_TRUE(url_safe_unpadded(id)) << id;
    EXPECT_EQ(event_id_for(e, v), id); // deterministic
}

TEST(EventHashing, ReferenceHashIgnoresUnsignedAndSignatures) {
    auto e = message();
    add_content_hash(e);
    for (const char* id : {"10", "11", "12"}) {
        auto v = version(id);
        auto with = e;
        with["unsigned"] = json::object{{"age", 1}, {"transaction_id", "t"}};
        with["signatures"] = json::object{{"example.org", json::object{{"ed25519:1", "s"}}}};
        EXPECT_EQ(reference_hash(with, v), reference_hash(e, v)) << id;
    }
}

TEST(EventHashing, ReferenceHashIsStableUnderRedaction) {
    auto e = message();
    add_content_hash(e);
    for (const char* id : {"10", "11", "12"}) {
        auto v = version(id);
        EXPECT_EQ(reference_hash(redact_event(e, v), v), reference_hash(e, v)) << id;
    }
    auto create = create_v12();
    add_content_hash(create);
    EXPECT_EQ(room_id_for_create_event(redact_event(create, version("12")), version("12")),
              room_id_for_create_event(create, version("12")));
}

TEST(EventHashing, ContentReachesTheEventIdThroughTheContentHash) {
    auto v = version("11");
    auto e = message();
    add_content_hash(e);
    auto id = event_id_for(e, v);
    // Redacted-away content alone does not enter the reference hash...
    auto edited = e;
    edited["content"].as_object()["body"] = "bye";
    EXPECT_EQ(event_id_for(edited, v), id);
    // ...but re-hashing the edited event changes the id.
    add_content_hash(edited);
    EXPECT_NE(event_id_for(edited, v), id);
    // Keys that survive redaction enter the hash directly.
    auto later = e;
    later["origin_server_ts"] = 1700000000001;
    EXPECT_NE(event_id_for(later, v), id);
}

TEST(EventHashing, OriginCountsInV10ButNotV11) {
    auto e = message();
    add_content_hash(e);
    auto moved = e;
    moved["origin"] = "elsewhere.example";
    EXPECT_NE(event_id_for(moved, version("10")), event_id_for(e, version("10")));
    EXPECT_EQ(event_id_for(moved, version("11")), event_id_for(e, version("11")));
}
