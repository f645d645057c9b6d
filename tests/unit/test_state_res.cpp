// State resolution v2 (room v11) and v2.1 (room v12) on hand-built event graphs: the classic
// conflicts of power levels, bans, join rules and topics, and what each step decides.
#include "event/state_res.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

using namespace myelin::event;
namespace json = boost::json;

namespace {

// A room's events by id; each test adds its graph with `add`.
class Graph {
public:
    explicit Graph(std::string version)
        : version_(*room_version(version)) {}

    // Adds a state event whose auth events are `auth` (ids), at time `ts`.
    std::string add(const std::string& id, const std::string& type, const std::string& key,
                    const std::string& sender, json::object content, std::vector<std::string> auth,
                    std::int64_t ts) {
        json::array a;
        for (auto& x : auth)
            if (!(version_.room_id_from_create_event && x == "$create")) a.emplace_back(x);
        json::object e{{"event_id", id},        {"room_id", "!room:a"},
                       {"type", type},          {"state_key", key},
                       {"sender", sender},      {"content", std::move(content)},
                       {"auth_events", a},      {"prev_events", json::array{}},
                       {"origin_server_ts", ts}};
        events_[id] = std::move(e);
        return id;
    }
    StateIds resolve(std::vector<StateIds> sets) const {
        return resolve_state(input(std::move(sets)));
    }
    std::set<std::string> full_set(std::vector<StateIds> sets) const {
        return full_conflicted_set(input(std::move(sets)));
    }
    StateResInput input(std::vector<StateIds> sets) const {
        StateResInput in;
        in.sets = std::move(sets);
        in.lookup = [this](const std::string& id) -> const json::object* {
            auto it = events_.find(id);
            return it == events_.end() ? nullptr : &it->second;
        };
        in.version = version_;
        in.create = &events_.at("$create");
        in.create_id = "$create";
        return in;
    }
    const RoomVersion& version() const { return version_; }

    // The usual start: alice creates the room (publicly joinable), bob is a moderator (50),
    // charlie a member; a topic. Returns the state after it.
    StateIds base() {
        json::object create{{"room_version", version_.id}};
        if (version_.create_has_creator) create["creator"] = "@alice:a";
        add("$create", "m.room.create", "", "@alice:a", create, {}, 1);
        add("$ja", "m.room.member", "@alice:a", "@alice:a", {{"membership", "join"}}, {"$create"},
            2);
        add("$pl1", "m.room.power_levels", "", "@alice:a", levels({{"@bob:a", 50}}),
            {"$create", "$ja"}, 3);
        add("$jr", "m.room.join_rules", "", "@alice:a", {{"join_rule", "public"}},
            {"$create", "$ja", "$pl1"}, 4);
        add("$jb", "m.room.member", "@bob:a", "@bob:a", {{"membership", "join"}},
            {"$create", "$pl1", "$jr"}, 5);
        add("$jc", "m.room.member", "@charlie:a", "@charlie:a", {{"membership", "join"}},
            {"$create", "$pl1", "$jr"}, 6);
        add("$t0", "m.room.topic", "", "@alice:a", {{"topic", "first"}}, {"$create", "$ja", "$pl1"},
            7);
        return {{{"m.room.create", ""}, "$create"},    {{"m.room.member", "@alice:a"}, "$ja"},
                {{"m.room.power_levels", ""}, "$pl1"}, {{"m.room.join_rules", ""}, "$jr"},
                {{"m.room.member", "@bob:a"}, "$jb"},  {{"m.room.member", "@charlie:a"}, "$jc"},
                {{"m.room.topic", ""}, "$t0"}};
    }
    // Power levels content: `users` (alice at 100 added where she is not a creator with
    // unlimited power), bans and kicks at 50.
    json::object levels(json::object users, std::int64_t state_default = 50) const {
        if (!version_.creators_have_infinite_power) users["@alice:a"] = 100;
        return {{"users", users}, {"state_default", state_default}, {"ban", 50}, {"kick", 50}};
    }
    json::object demote_bob() const { return levels({{"@bob:a", 0}}); }

private:
    RoomVersion version_;
    std::map<std::string, json::object> events_;
};

StateIds with(StateIds s, const StateKey& k, const std::string& id) {
    s[k] = id;
    return s;
}

const StateKey kPl{"m.room.power_levels", ""};
const StateKey kTopic{"m.room.topic", ""};
const StateKey kCharlie{"m.room.member", "@charlie:a"};
const StateKey kEve{"m.room.member", "@eve:a"};
const StateKey kJoinRules{"m.room.join_rules", ""};

class StateRes : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(StateRes, NothingConflictedIsTheStateItself) {
    Graph g(GetParam());
    auto s = g.base();
    EXPECT_EQ(g.resolve({s, s}), s);
    EXPECT_EQ(g.resolve({s}), s);
}

TEST_P(StateRes, ADemotionBeatsTheBanTheDemotedModeratorMadeMeanwhile) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@alice:a", g.demote_bob(), {"$create", "$ja", "$pl1"},
          10);
    g.add("$ban", "m.room.member", "@charlie:a", "@bob:a", {{"membership", "ban"}},
          {"$create", "$pl1", "$jb", "$jc"}, 11);
    auto a = with(s, kPl, "$pl2");
    auto b = with(s, kCharlie, "$ban");
    for (auto sets : {std::vector<StateIds>{a, b}, std::vector<StateIds>{b, a}}) {
        auto r = g.resolve(sets);
        EXPECT_EQ(r[kPl], "$pl2");
        EXPECT_EQ(r[kCharlie], "$jc") << "the ban was authorised only by the old power levels";
    }
}

TEST_P(StateRes, ABanBeforeTheDemotionInTheGraphStands) {
    // The ban is an auth ancestor of nothing, but the demotion lists the ban's power levels
    // too; a ban sent by an unaffected admin survives either way.
    Graph g(GetParam());
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@alice:a", g.demote_bob(), {"$create", "$ja", "$pl1"},
          10);
    g.add("$ban", "m.room.member", "@charlie:a", "@alice:a", {{"membership", "ban"}},
          {"$create", "$pl1", "$ja", "$jc"}, 11);
    auto r = g.resolve({with(s, kPl, "$pl2"), with(s, kCharlie, "$ban")});
    EXPECT_EQ(r[kPl], "$pl2");
    EXPECT_EQ(r[kCharlie], "$ban");
}

TEST_P(StateRes, TopicsResolveByTimeWithinTheSameMainlinePosition) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$t1", "m.room.topic", "", "@alice:a", {{"topic", "alice's"}}, {"$create", "$ja", "$pl1"},
          20);
    g.add("$t2", "m.room.topic", "", "@bob:a", {{"topic", "bob's"}}, {"$create", "$jb", "$pl1"},
          21);
    EXPECT_EQ(g.resolve({with(s, kTopic, "$t1"), with(s, kTopic, "$t2")})[kTopic], "$t2");
    Graph h(GetParam());
    auto s2 = h.base();
    h.add("$t1", "m.room.topic", "", "@alice:a", {{"topic", "alice's"}}, {"$create", "$ja", "$pl1"},
          22);
    h.add("$t2", "m.room.topic", "", "@bob:a", {{"topic", "bob's"}}, {"$create", "$jb", "$pl1"},
          21);
    EXPECT_EQ(h.resolve({with(s2, kTopic, "$t1"), with(s2, kTopic, "$t2")})[kTopic], "$t1");
}

TEST_P(StateRes, ATopicByADemotedModeratorIsDropped) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@alice:a", g.demote_bob(), {"$create", "$ja", "$pl1"},
          10);
    g.add("$t2", "m.room.topic", "", "@bob:a", {{"topic", "bob's"}}, {"$create", "$jb", "$pl1"},
          30);
    auto r = g.resolve({with(s, kPl, "$pl2"), with(s, kTopic, "$t2")});
    EXPECT_EQ(r[kPl], "$pl2");
    EXPECT_EQ(r[kTopic], "$t0");
}

TEST_P(StateRes, ALaterPowerLevelsEventMovesATopicLaterInTheMainline) {
    // Alice's topic sits after a newer power levels event in the mainline, bob's after the
    // older one: alice's wins although it is older by the clock.
    Graph g(GetParam());
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@alice:a",
          g.levels({{"@bob:a", 50}, {"@charlie:a", 10}}), {"$create", "$ja", "$pl1"}, 10);
    g.add("$t1", "m.room.topic", "", "@alice:a", {{"topic", "alice's"}}, {"$create", "$ja", "$pl2"},
          11);
    g.add("$t2", "m.room.topic", "", "@bob:a", {{"topic", "bob's"}}, {"$create", "$jb", "$pl1"},
          12);
    auto a = with(with(s, kPl, "$pl2"), kTopic, "$t1");
    auto b = with(s, kTopic, "$t2");
    auto r = g.resolve({a, b});
    EXPECT_EQ(r[kPl], "$pl2");
    EXPECT_EQ(r[kTopic], "$t1");
}

TEST_P(StateRes, AJoinUnderAJoinRuleThatWasClosedMeanwhileIsRejected) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$jr2", "m.room.join_rules", "", "@alice:a", {{"join_rule", "invite"}},
          {"$create", "$ja", "$pl1"}, 10);
    g.add("$je", "m.room.member", "@eve:a", "@eve:a", {{"membership", "join"}},
          {"$create", "$pl1", "$jr"}, 11);
    auto r = g.resolve({with(s, kJoinRules, "$jr2"), with(s, kEve, "$je")});
    EXPECT_EQ(r[kJoinRules], "$jr2");
    EXPECT_EQ(r.count(kEve), 0u);
}

TEST_P(StateRes, UnknownEventsTakeNoPart) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$t1", "m.room.topic", "", "@alice:a", {{"topic", "known"}}, {"$create", "$ja", "$pl1"},
          20);
    auto r = g.resolve({with(s, kTopic, "$t1"), with(s, kTopic, "$never-seen")});
    EXPECT_EQ(r[kTopic], "$t1");
}

TEST_P(StateRes, TheOrderOfTheSetsDoesNotMatter) {
    Graph g(GetParam());
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@alice:a", g.demote_bob(), {"$create", "$ja", "$pl1"},
          10);
    g.add("$t2", "m.room.topic", "", "@bob:a", {{"topic", "b"}}, {"$create", "$jb", "$pl1"}, 30);
    g.add("$t3", "m.room.topic", "", "@alice:a", {{"topic", "c"}}, {"$create", "$ja", "$pl2"}, 31);
    std::vector<StateIds> sets{with(s, kPl, "$pl2"), with(s, kTopic, "$t2"),
                               with(with(s, kPl, "$pl2"), kTopic, "$t3")};
    auto r = g.resolve(sets);
    std::vector<StateIds> reversed(sets.rbegin(), sets.rend());
    EXPECT_EQ(g.resolve(reversed), r);
    EXPECT_EQ(r[kTopic], "$t3");
}

INSTANTIATE_TEST_SUITE_P(Versions, StateRes, ::testing::Values("11", "12"),
                         [](const auto& info) { return "v" + info.param; });

// Bob, a moderator, lowered state_default in one fork; alice banned him in both (the same ban,
// unconflicted). v2 checks Bob's power levels against the unconflicted state, where he is
// banned, and drops them; v2.1 (room v12) checks the power events from an empty state, against
// their own auth events, and keeps them. Either way the ban stands.
void resolves_bob_power_levels(const char* version, const char* expected_pl) {
    Graph g(version);
    auto s = g.base();
    g.add("$pl2", "m.room.power_levels", "", "@bob:a", g.levels({{"@bob:a", 50}}, 40),
          {"$create", "$jb", "$pl1"}, 10);
    g.add("$banbob", "m.room.member", "@bob:a", "@alice:a", {{"membership", "ban"}},
          {"$create", "$ja", "$pl1", "$jb"}, 11);
    const StateKey bob{"m.room.member", "@bob:a"};
    auto a = with(with(s, kPl, "$pl2"), bob, "$banbob");
    auto b = with(s, bob, "$banbob");
    auto r = g.resolve({a, b});
    EXPECT_EQ(r[kPl], expected_pl) << "room version " << version;
    EXPECT_EQ(r[bob], "$banbob");
}

TEST(StateResV21, ChecksThePowerEventsFromAnEmptyStateNotTheUnconflictedOne) {
    resolves_bob_power_levels("11", "$pl1");
    resolves_bob_power_levels("12", "$pl2");
}

TEST_P(StateRes, TheFullConflictedSetHoldsTheAuthDifference) {
    // Fork b: bob promotes charlie (only in b's auth chains), charlie then sets a topic.
    Graph g(GetParam());
    auto s = g.base();
    g.add("$plb", "m.room.power_levels", "", "@bob:a",
          g.levels({{"@bob:a", 50}, {"@charlie:a", 50}}), {"$create", "$jb", "$pl1"}, 10);
    g.add("$tc", "m.room.topic", "", "@charlie:a", {{"topic", "c"}}, {"$create", "$jc", "$plb"},
          11);
    g.add("$pl2", "m.room.power_levels", "", "@alice:a", g.demote_bob(), {"$create", "$ja", "$pl1"},
          12);
    auto a = with(s, kPl, "$pl2");
    auto b = with(s, kTopic, "$tc");
    auto full = g.full_set({a, b});
    EXPECT_TRUE(full.count("$plb")) << "in b's auth chain, not a's";
    // And the conflicted events themselves: both power levels, both topics.
    for (const char* id : {"$pl2", "$pl1", "$tc", "$t0"})
        EXPECT_TRUE(full.count(id)) << id;
    // Bob's join is in every fork's chain; v2.1 still takes it, on the path $tc -> $plb -> $jb
    // -> $pl1 between two conflicted events.
    EXPECT_EQ(full.count("$jb"), g.version().room_id_from_create_event ? 1u : 0u);
    // Resolved: bob's promotion is checked after the demotion and fails, and charlie's topic
    // with it.
    auto r = g.resolve({a, b});
    EXPECT_EQ(r[kPl], "$pl2");
    EXPECT_EQ(r[kTopic], "$t0");
}

TEST(StateResV21, TheFullConflictedSetHoldsTheConflictedSubgraph) {
    // $pla -> $mid -> $pl1: $mid lies between two conflicted events on an auth path, and is
    // in both forks' auth chains (so not in the auth difference): only v2.1 adds it.
    for (const char* version : {"11", "12"}) {
        Graph g(version);
        auto s = g.base();
        g.add("$mid", "m.room.power_levels", "", "@alice:a", g.levels({{"@bob:a", 50}}, 45),
              {"$create", "$ja", "$pl1"}, 10);
        g.add("$pla", "m.room.power_levels", "", "@alice:a", g.levels({{"@bob:a", 50}}, 44),
              {"$create", "$ja", "$mid"}, 11);
        // Fork b's topic lists $mid too, so both forks' auth chains hold it.
        g.add("$tb", "m.room.topic", "", "@alice:a", {{"topic", "b"}}, {"$create", "$ja", "$mid"},
              12);
        // Both forks at $pla: only the topics conflict, and $mid lies on no path between them.
        auto a = with(s, kPl, "$pla");
        auto b = with(with(s, kPl, "$pla"), kTopic, "$tb");
        auto full = g.full_set({a, b});
        EXPECT_EQ(full.count("$mid"), 0u)
            << "not conflicted, nor in the auth difference (" << version << ")";
        // Fork b still at $pl1: $pla and $pl1 conflict, and $mid sits on the path $pla -> $mid
        // -> $pl1.
        auto full2 = g.full_set({a, with(s, kTopic, "$tb")});
        EXPECT_EQ(full2.count("$mid"), std::string(version) == "12" ? 1u : 0u) << version;
    }
}

TEST(StateResIds, ReadsBothFormsOfEventReferences) {
    json::object v3{{"auth_events", json::array{"$a", "$b"}}};
    EXPECT_EQ(referenced_ids(v3, "auth_events"), (std::vector<std::string>{"$a", "$b"}));
    json::object v1{
        {"auth_events", json::array{json::array{"$a:x", json::object{{"sha256", "h"}}}}}};
    EXPECT_EQ(referenced_ids(v1, "auth_events"), (std::vector<std::string>{"$a:x"}));
    EXPECT_TRUE(referenced_ids(json::object{}, "auth_events").empty());
}
