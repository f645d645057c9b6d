// The authorization rules as a table of allowed and refused events, per room version.
#include "event/auth_rules.hpp"
#include "event/power_levels.hpp"
#include <deque>
#include <gtest/gtest.h>

using namespace myelin;
namespace json = boost::json;

namespace {

const std::string A = "@alice:x", B = "@bob:x", C = "@carol:x", M = "@mod:x";

// A small room held as a state map, built event by event.
struct Room {
    event::RoomVersion v;
    std::deque<json::object> events; // stable addresses for the map
    event::StateMap state;

    explicit Room(const std::string& version, json::object create_extra = {}) {
        v = *event::room_version(version);
        json::object content{{"room_version", version}};
        if (v.create_has_creator) content["creator"] = A;
        for (auto& kv : create_extra)
            content[kv.key()] = kv.value();
        put(ev("m.room.create", A, content, ""));
        put(member(A, "join"));
        put(ev("m.room.power_levels", A,
               json::object{
                   {"users", v.creators_have_infinite_power ? json::object{{M, 50}}
                                                            : json::object{{A, 100}, {M, 50}}},
                   {"users_default", 0},
                   {"events", json::object{{"m.room.name", 50}, {"m.room.power_levels", 100}}},
                   {"state_default", 50},
                   {"events_default", 0},
                   {"ban", 50},
                   {"kick", 50},
                   {"invite", 0}},
               ""));
        put(join_rule("invite"));
    }

    json::object ev(const std::string& type, const std::string& sender, json::object content,
                    std::optional<std::string> key = std::nullopt) const {
        json::object e{{"type", type},
                       {"sender", sender},
                       {"content", std::move(content)},
                       {"prev_events", json::array{"$prev"}}};
        if (!(type == "m.room.create" && v.room_id_from_create_event)) e["room_id"] = "!r:x";
        if (type == "m.room.create") e["prev_events"] = json::array{};
        if (key) e["state_key"] = *key;
        return e;
    }
    json::object member(const std::string& target, const std::string& m,
                        std::optional<std::string> sender = std::nullopt) const {
        return ev("m.room.member", sender.value_or(target), json::object{{"membership", m}},
                  target);
    }
    json::object join_rule(const std::string& rule) const {
        return ev("m.room.join_rules", A, json::object{{"join_rule", rule}}, "");
    }
    void put(json::object e) {
        events.push_back(std::move(e));
        const auto& s = events.back();
        state[{std::string(s.at("type").as_string()), std::string(s.at("state_key").as_string())}] =
            &s;
    }
    // Adds an event after checking that it is allowed.
    void must_put(json::object e) {
        auto d = check(e);
        ASSERT_TRUE(d.allowed) << d.reason << "\n" << json::serialize(e);
        put(std::move(e));
    }
    event::AuthDecision check(const json::object& e) const {
        return event::check_auth(e, state, v);
    }
};

class AuthRules : public ::testing::TestWithParam<std::string> {};

#define ALLOWED(room, e)                                                                           \
    do {                                                                                           \
        auto d_ = (room).check(e);                                                                 \
        EXPECT_TRUE(d_.allowed) << d_.reason;                                                      \
    } while (0)
#define REFUSED(room, e)                                                                           \
    do {                                                                                           \
        auto d_ = (room).check(e);                                                                 \
        EXPECT_FALSE(d_.allowed) << "unexpectedly allowed: " << json::serialize(e);                \
        EXPECT_FALSE(d_.reason.empty());                                                           \
    } while (0)

} // namespace

INSTANTIATE_TEST_SUITE_P(Versions, AuthRules, ::testing::Values("10", "11", "12"));

TEST_P(AuthRules, InviteOnlyRoomNeedsAnInvite) {
    Room r(GetParam());
    REFUSED(r, r.member(B, "join"));
    r.must_put(r.member(B, "invite", A));
    ALLOWED(r, r.member(B, "join"));
    REFUSED(r, r.member(C, "join", B)); // joining on someone else's behalf
}

TEST_P(AuthRules, PublicRoomLetsAnyoneJoinButNotTheBanned) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    ALLOWED(r, r.member(B, "join"));
    r.must_put(r.member(C, "ban", A));
    REFUSED(r, r.member(C, "join"));
}

TEST_P(AuthRules, InviteRules) {
    Room r(GetParam());
    REFUSED(r, r.member(C, "invite", B)); // bob is not in the room
    r.must_put(r.member(B, "invite", A));
    r.must_put(r.member(B, "join"));
    ALLOWED(r, r.member(C, "invite", B)); // invite level is 0
    REFUSED(r, r.member(A, "invite", B)); // alice is already joined
    r.must_put(r.member(C, "ban", A));
    REFUSED(r, r.member(C, "invite", A)); // banned users cannot be invited
    json::object tpi = r.member(C, "invite", A);
    tpi["content"].as_object()["third_party_invite"] = json::object{{"display_name", "c"}};
    REFUSED(r, tpi);
}

TEST_P(AuthRules, RaisedInviteLevelIsEnforced) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    r.must_put(r.member(B, "join"));
    auto pl = r.state.at({"m.room.power_levels", ""})->at("content").as_object();
    pl["invite"] = 50;
    r.must_put(r.ev("m.room.power_levels", A, pl, ""));
    REFUSED(r, r.member(C, "invite", B));
    r.must_put(r.member(M, "join"));
    ALLOWED(r, r.member(C, "invite", M));
}

TEST_P(AuthRules, LeaveKickAndUnban) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    r.must_put(r.member(B, "join"));
    r.must_put(r.member(M, "join"));
    ALLOWED(r, r.member(B, "leave"));    // leaving yourself
    REFUSED(r, r.member(C, "leave"));    // not in the room
    REFUSED(r, r.member(M, "leave", B)); // power 0 cannot kick
    ALLOWED(r, r.member(B, "leave", M)); // moderator kicks a user
    REFUSED(r, r.member(A, "leave", M)); // ... but not someone above them
    r.must_put(r.member(B, "ban", M));
    REFUSED(r, r.member(B, "leave", B)); // a banned user cannot "leave" themselves
    ALLOWED(r, r.member(B, "leave", A)); // unban by someone with ban power
}

TEST_P(AuthRules, BanNeedsPowerAboveTheTarget) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    r.must_put(r.member(B, "join"));
    r.must_put(r.member(M, "join"));
    REFUSED(r, r.member(M, "ban", B));
    ALLOWED(r, r.member(B, "ban", M));
    REFUSED(r, r.member(A, "ban", M));
    ALLOWED(r, r.member(C, "ban", A)); // banning someone not in the room
    REFUSED(r, r.member(C, "ban", C)); // C is not in the room
}

TEST_P(AuthRules, KnockOnlyWhereTheJoinRuleAllows) {
    Room r(GetParam());
    REFUSED(r, r.member(B, "knock"));
    r.must_put(r.join_rule("knock"));
    ALLOWED(r, r.member(B, "knock"));
    REFUSED(r, r.member(B, "knock", C));
    r.must_put(r.member(C, "invite", A));
    REFUSED(r, r.member(C, "knock")); // already invited
    r.must_put(r.join_rule("knock_restricted"));
    ALLOWED(r, r.member(B, "knock"));
}

TEST_P(AuthRules, RestrictedJoinNeedsAnAuthorisingMember) {
    Room r(GetParam());
    r.must_put(r.ev("m.room.join_rules", A,
                    json::object{{"join_rule", "restricted"},
                                 {"allow", json::array{json::object{{"type", "m.room_membership"},
                                                                    {"room_id", "!o:x"}}}}},
                    ""));
    REFUSED(r, r.member(B, "join"));
    auto via = r.member(B, "join");
    via["content"].as_object()["join_authorised_via_users_server"] = A;
    ALLOWED(r, via);
    via["content"].as_object()["join_authorised_via_users_server"] = C; // not in the room
    REFUSED(r, via);
}

TEST_P(AuthRules, UnknownMembershipAndMissingFieldsAreRefused) {
    Room r(GetParam());
    REFUSED(r, r.member(B, "dance"));
    auto no_key = r.member(B, "join");
    no_key.erase("state_key");
    REFUSED(r, no_key);
    auto no_membership = r.ev("m.room.member", B, json::object{}, B);
    REFUSED(r, no_membership);
}

TEST_P(AuthRules, NonMembersCannotSendAnything) {
    Room r(GetParam());
    REFUSED(r, r.ev("m.room.message", B, json::object{{"body", "hi"}}));
    r.must_put(r.member(B, "invite", A));
    REFUSED(r, r.ev("m.room.message", B, json::object{{"body", "hi"}}));
    r.must_put(r.member(B, "join"));
    ALLOWED(r, r.ev("m.room.message", B, json::object{{"body", "hi"}}));
    r.must_put(r.member(B, "leave"));
    REFUSED(r, r.ev("m.room.message", B, json::object{{"body", "hi"}}));
}

TEST_P(AuthRules, EventAndStateLevels) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    r.must_put(r.member(B, "join"));
    r.must_put(r.member(M, "join"));
    REFUSED(r, r.ev("m.room.name", B, json::object{{"name", "x"}}, "")); // events: 50
    ALLOWED(r, r.ev("m.room.name", M, json::object{{"name", "x"}}, ""));
    REFUSED(r, r.ev("org.example.state", B, json::object{}, "")); // state_default 50
    ALLOWED(r, r.ev("org.example.state", M, json::object{}, ""));
    ALLOWED(r, r.ev("org.example.event", B, json::object{}));       // events_default 0
    REFUSED(r, r.ev("m.room.power_levels", M, json::object{}, "")); // needs 100
}

TEST_P(AuthRules, UserIdStateKeysBelongToThatUser) {
    Room r(GetParam());
    r.must_put(r.member(M, "invite", A));
    r.must_put(r.member(M, "join"));
    REFUSED(r, r.ev("org.example.s", M, json::object{}, A));
    ALLOWED(r, r.ev("org.example.s", M, json::object{}, M));
    REFUSED(r, r.ev("org.example.s", A, json::object{}, M)); // even for the creator
}

TEST_P(AuthRules, PowerLevelChangesStayWithinTheSendersLevel) {
    Room r(GetParam());
    r.must_put(r.join_rule("public"));
    r.must_put(r.member(B, "join"));
    r.must_put(r.member(M, "join"));
    auto base = r.state.at({"m.room.power_levels", ""})->at("content").as_object();
    // Let the moderator send power levels, then check what they may change.
    auto open = base;
    open["events"].as_object()["m.room.power_levels"] = 50;
    r.must_put(r.ev("m.room.power_levels", A, open, ""));
    auto give = open;
    give["users"].as_object()[B] = 50;
    ALLOWED(r, r.ev("m.room.power_levels", M, give, "")); // up to their own level
    give["users"].as_object()[B] = 51;
    REFUSED(r, r.ev("m.room.power_levels", M, give, "")); // above it
    auto demote_peer = open;
    demote_peer["users"].as_object()[M] = 0;
    ALLOWED(r, r.ev("m.room.power_levels", M, demote_peer, "")); // demoting oneself
    auto raise_kick = open;
    raise_kick["kick"] = 75;
    REFUSED(r, r.ev("m.room.power_levels", M, raise_kick, ""));
    auto lower_ban = open;
    lower_ban["ban"] = 40;
    ALLOWED(r, r.ev("m.room.power_levels", M, lower_ban, ""));
    auto strings = open;
    strings["ban"] = "50";
    REFUSED(r, r.ev("m.room.power_levels", A, strings, "")); // integers only in v10+
    auto bad_user = open;
    bad_user["users"].as_object()["not-a-user"] = 5;
    REFUSED(r, r.ev("m.room.power_levels", A, bad_user, ""));
}

TEST_P(AuthRules, CreateEventRules) {
    Room r(GetParam());
    auto create = r.ev("m.room.create", A, json::object{{"room_version", GetParam()}}, "");
    if (r.v.create_has_creator) create["content"].as_object()["creator"] = A;
    ALLOWED(r, create);
    auto with_prev = create;
    with_prev["prev_events"] = json::array{"$x"};
    REFUSED(r, with_prev);
    auto bad_version = create;
    bad_version["content"].as_object()["room_version"] = "999";
    REFUSED(r, bad_version);
}

TEST(AuthRulesV10, CreateNeedsCreatorAndMatchingServer) {
    Room r("10");
    auto create = r.ev("m.room.create", A, json::object{{"room_version", "10"}}, "");
    REFUSED(r, create); // no creator
    create["content"].as_object()["creator"] = A;
    create["room_id"] = "!r:elsewhere";
    REFUSED(r, create);
}

TEST(AuthRulesV11, CreatorIsTheCreateSender) {
    Room r("11");
    event::PowerLevels pl = event::PowerLevels::from_state(r.state, r.v);
    EXPECT_EQ(pl.user_level(A), 100);
    EXPECT_EQ(pl.user_level(B), 0);
    EXPECT_EQ(pl.user_level(M), 50);
}

TEST(AuthRulesV11, FederateFalseKeepsOtherServersOut) {
    Room r("11", json::object{{"m.federate", false}});
    r.must_put(r.join_rule("public"));
    REFUSED(r, r.member("@eve:other", "join"));
    ALLOWED(r, r.member(B, "join"));
}

TEST(AuthRulesV12, CreatorsHaveInfinitePowerAndAreNotListed) {
    Room r("12", json::object{{"additional_creators", json::array{C}}});
    auto pl = event::PowerLevels::from_state(r.state, r.v);
    EXPECT_EQ(pl.user_level(A), event::kInfinitePower);
    EXPECT_EQ(pl.user_level(C), event::kInfinitePower);
    EXPECT_TRUE(pl.is_creator(C));
    auto content = r.state.at({"m.room.power_levels", ""})->at("content").as_object();
    auto listed = content;
    listed["users"].as_object()[A] = 100;
    REFUSED(r, r.ev("m.room.power_levels", A, listed, ""));
    listed = content;
    listed["users"].as_object()[C] = 100;
    REFUSED(r, r.ev("m.room.power_levels", A, listed, ""));
    // A creator can still be kicked by nobody: no one has more power.
    r.must_put(r.member(C, "invite", A));
    r.must_put(r.member(C, "join"));
    REFUSED(r, r.member(C, "leave", A));
}

TEST(AuthRulesV12, CreateEventHasNoRoomIdAndValidAdditionalCreators) {
    Room r("12");
    auto create = r.ev("m.room.create", A, json::object{{"room_version", "12"}}, "");
    EXPECT_FALSE(create.contains("room_id"));
    ALLOWED(r, create);
    auto with_room = create;
    with_room["room_id"] = "!r:x";
    REFUSED(r, with_room);
    auto bad = create;
    bad["content"].as_object()["additional_creators"] = json::array{"nope"};
    REFUSED(r, bad);
}

TEST(AuthEventSelection, PicksTheSpecsEntries) {
    Room r11("11");
    auto join = r11.member(B, "join");
    join["content"].as_object()["join_authorised_via_users_server"] = A;
    auto keys = event::auth_event_keys(join, r11.v);
    std::vector<event::StateKey> want{{"m.room.create", ""},
                                      {"m.room.power_levels", ""},
                                      {"m.room.member", B},
                                      {"m.room.join_rules", ""},
                                      {"m.room.member", A}};
    EXPECT_EQ(keys, want);
    Room r12("12");
    auto msg = r12.ev("m.room.message", B, json::object{});
    std::vector<event::StateKey> want12{{"m.room.power_levels", ""}, {"m.room.member", B}};
    EXPECT_EQ(event::auth_event_keys(msg, r12.v), want12);
}
