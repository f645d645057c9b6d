// The redaction algorithm per room version: v10 (spec rooms/v10, unchanged since v9) and v11
// (rooms/v11); v12 redacts exactly like v11 ("Unchanged from v11").
#include "event/redaction.hpp"
#include "event/room_version.hpp"
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace myelin::event;

namespace {
RoomVersion version(std::string_view id) {
    return room_version(id).value();
}

json::object obj(std::string_view text) {
    return json::parse(text).as_object();
}

json::object event_of(std::string_view type, std::string_view content) {
    json::object e{{"type", type},
                   {"room_id", "!r:example.org"},
                   {"sender", "@a:example.org"},
                   {"state_key", ""},
                   {"content", json::parse(content)}};
    return e;
}

struct ContentCase {
    std::string name, type, content, v10, v11; // v12 expects the v11 result
};

const std::vector<ContentCase>& content_cases() {
    static const std::vector<ContentCase> cases = {
        {"member", "m.room.member",
         R"({"membership":"join","join_authorised_via_users_server":"@b:example.org",)"
         R"("displayname":"A","avatar_url":"mxc://x/y","reason":"r","is_direct":true,)"
         R"("third_party_invite":{"display_name":"a@b","signed":{"mxid":"@a:example.org",)"
         R"("token":"t","signatures":{"id":{"ed25519:0":"s"}}}}})",
         R"({"membership":"join","join_authorised_via_users_server":"@b:example.org"})",
         R"({"membership":"join","join_authorised_via_users_server":"@b:example.org",)"
         R"("third_party_invite":{"signed":{"mxid":"@a:example.org","token":"t",)"
         R"("signatures":{"id":{"ed25519:0":"s"}}}}})"},
        // v11 keeps third_party_invite with only `signed`, which may leave {} (Synapse does too).
        {"member_tpi_without_signed", "m.room.member",
         R"({"membership":"invite","third_party_invite":{"display_name":"a@b"}})",
         R"({"membership":"invite"})", R"({"membership":"invite","third_party_invite":{}})"},
        {"member_tpi_not_object", "m.room.member",
         R"({"membership":"invite","third_party_invite":"x"})", R"({"membership":"invite"})",
         R"({"membership":"invite"})"},
        {"create", "m.room.create",
         R"({"creator":"@a:example.org","room_version":"10","m.federate":false,)"
         R"("predecessor":{"room_id":"!old:example.org"},"type":"m.space",)"
         R"("additional_creators":["@c:example.org"]})",
         R"({"creator":"@a:example.org"})",
         R"({"creator":"@a:example.org","room_version":"10","m.federate":false,)"
         R"("predecessor":{"room_id":"!old:example.org"},"type":"m.space",)"
         R"("additional_creators":["@c:example.org"]})"},
        {"join_rules", "m.room.join_rules",
         R"({"join_rule":"restricted","allow":[{"type":"m.room_membership",)"
         R"("room_id":"!s:example.org"}],"extra":1})",
         R"({"join_rule":"restricted","allow":[{"type":"m.room_membership",)"
         R"("room_id":"!s:example.org"}]})",
         R"({"join_rule":"restricted","allow":[{"type":"m.room_membership",)"
         R"("room_id":"!s:example.org"}]})"},
        {"power_levels", "m.room.power_levels",
         R"({"ban":50,"events":{"m.room.name":50},"events_default":0,"invite":0,"kick":50,)"
         R"("redact":50,"state_default":50,"users":{"@a:example.org":100},"users_default":0,)"
         R"("notifications":{"room":50},"historical":100})",
         R"({"ban":50,"events":{"m.room.name":50},"events_default":0,"kick":50,"redact":50,)"
         R"("state_default":50,"users":{"@a:example.org":100},"users_default":0})",
         R"({"ban":50,"events":{"m.room.name":50},"events_default":0,"invite":0,"kick":50,)"
         R"("redact":50,"state_default":50,"users":{"@a:example.org":100},"users_default":0})"},
        {"history_visibility", "m.room.history_visibility",
         R"({"history_visibility":"shared","other":"x"})", R"({"history_visibility":"shared"})",
         R"({"history_visibility":"shared"})"},
        {"redaction", "m.room.redaction", R"({"redacts":"$e","reason":"spam"})", R"({})",
         R"({"redacts":"$e"})"},
        // m.room.aliases lost its protection in room v6.
        {"aliases", "m.room.aliases", R"({"aliases":["#a:example.org"]})", R"({})", R"({})"},
        {"name", "m.room.name", R"({"name":"Room"})", R"({})", R"({})"},
        {"topic", "m.room.topic", R"({"topic":"t"})", R"({})", R"({})"},
        {"encryption", "m.room.encryption", R"({"algorithm":"m.megolm.v1.aes-sha2"})", R"({})",
         R"({})"},
        {"message", "m.room.message", R"({"body":"secret","msgtype":"m.text"})", R"({})", R"({})"},
        // Protected keys only count for their own event type.
        {"membership_key_on_other_type", "m.room.message",
         R"({"membership":"join","join_rule":"public","redacts":"$e","creator":"@a:x"})", R"({})",
         R"({})"},
        {"custom_state", "org.example.state", R"({"membership":"join"})", R"({})", R"({})"},
    };
    return cases;
}
} // namespace

TEST(RedactionTable, ContentKeysPerTypeAndVersion) {
    for (const auto& c : content_cases()) {
        auto e = event_of(c.type, c.content);
        EXPECT_EQ(redact_event(e, version("10"))["content"], json::parse(c.v10)) << c.name;
        EXPECT_EQ(redact_event(e, version("11"))["content"], json::parse(c.v11)) << c.name;
        EXPECT_EQ(redact_event(e, version("12"))["content"], json::parse(c.v11)) << c.name;
    }
}

TEST(RedactionTable, TopLevelKeysPerVersion) {
    auto e = obj(R"({"event_id":"$e","type":"m.room.member","room_id":"!r:example.org",)"
                 R"("sender":"@a:example.org","state_key":"@a:example.org",)"
                 R"("content":{"membership":"join"},"hashes":{"sha256":"h"},)"
                 R"("signatures":{"example.org":{"ed25519:1":"s"}},"depth":3,)"
                 R"("prev_events":["$p"],"auth_events":["$a"],"origin_server_ts":1,)"
                 R"("origin":"example.org","membership":"join","prev_state":[],)"
                 R"("redacts":"$x","unsigned":{"age":1},"age_ts":1,"user_id":"@a:example.org",)"
                 R"("prev_content":{"membership":"invite"},"outlier":false,"foo":"bar"})");
    const auto v11_expected =
        json::parse(R"({"event_id":"$e","type":"m.room.member","room_id":"!r:example.org",)"
                    R"("sender":"@a:example.org","state_key":"@a:example.org",)"
                    R"("content":{"membership":"join"},"hashes":{"sha256":"h"},)"
                    R"("signatures":{"example.org":{"ed25519:1":"s"}},"depth":3,)"
                    R"("prev_events":["$p"],"auth_events":["$a"],"origin_server_ts":1})");
    auto v10_expected = v11_expected;
    v10_expected.as_object()["origin"] = "example.org";
    v10_expected.as_object()["membership"] = "join";
    v10_expected.as_object()["prev_state"] = json::array{};

    EXPECT_EQ(json::value(redact_event(e, version("10"))), v10_expected);
    EXPECT_EQ(json::value(redact_event(e, version("11"))), v11_expected);
    EXPECT_EQ(json::value(redact_event(e, version("12"))), v11_expected);
}

TEST(RedactionTable, V10DropsTopLevelRedactsOfRedactionEvents) {
    // v10 redaction events carry `redacts` at the top level, and it is not protected.
    auto e = obj(R"({"type":"m.room.redaction","redacts":"$e","content":{"reason":"r"}})");
    EXPECT_EQ(json::value(redact_event(e, version("10"))),
              json::parse(R"({"type":"m.room.redaction","content":{}})"));
}

TEST(RedactionTable, MissingOrMalformedContentBecomesEmptyObject) {
    for (const char* id : {"10", "11", "12"}) {
        auto v = version(id);
        EXPECT_EQ(json::value(redact_event(obj(R"({"type":"m.room.message"})"), v)),
                  json::parse(R"({"type":"m.room.message","content":{}})"))
            << id;
        EXPECT_EQ(redact_event(obj(R"({"type":"m.room.create","content":"x"})"), v)["content"],
                  json::object{})
            << id;
        EXPECT_EQ(redact_event(obj(R"({"content":{"membership":"join"}})"), v)["content"],
                  json::object{})
            << id;
    }
}

TEST(RedactionTable, EmptyStateKeyIsKept) {
    auto e = event_of("m.room.name", R"({"name":"n"})");
    for (const char* id : {"10", "11", "12"}) {
        auto r = redact_event(e, version(id));
        ASSERT_TRUE(r.contains("state_key")) << id;
        EXPECT_EQ(r["state_key"], "") << id;
    }
}

TEST(RedactionTable, RedactingTwiceChangesNothing) {
    for (const auto& c : content_cases()) {
        auto e = event_of(c.type, c.content);
        e["origin"] = "example.org";
        e["unsigned"] = json::object{{"age", 1}};
        for (const char* id : {"10", "11", "12"}) {
            auto once = redact_event(e, version(id));
            EXPECT_EQ(redact_event(once, version(id)), once) << c.name << " v" << id;
        }
    }
}

TEST(RedactionTable, InputIsLeftAlone) {
    auto e = event_of("m.room.message", R"({"body":"b"})");
    e["unsigned"] = json::object{{"age", 1}};
    auto before = e;
    (void)redact_event(e, version("11"));
    EXPECT_EQ(e, before);
}
