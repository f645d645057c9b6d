// Push rule evaluation against the spec's default ruleset and a few hand-made rules.
#include "push/default_rules.hpp"
#include "push/evaluator.hpp"
#include <gtest/gtest.h>
#include <set>
#include <tuple>
#include <vector>

using namespace myelin::push;
namespace json = boost::json;

namespace {

const std::string kAlice = "@alice:example.org";
const std::string kRoom = "!room:example.org";

PushContext room_of(std::int64_t members, std::int64_t sender_power = 0) {
    PushContext ctx;
    ctx.user_id = kAlice;
    ctx.member_count = members;
    ctx.sender_power = sender_power;
    return ctx;
}

json::object message(const std::string& body, const std::string& msgtype = "m.text") {
    return {{"type", "m.room.message"},
            {"sender", "@bob:example.org"},
            {"room_id", kRoom},
            {"content", {{"msgtype", msgtype}, {"body", body}}}};
}

json::object with_content(json::object event, const json::value& extra) {
    for (const auto& kv : extra.as_object())
        event["content"].as_object()[kv.key()] = kv.value();
    return event;
}

PushOutcome defaults(const json::object& event, const PushContext& ctx) {
    return evaluate(default_ruleset(kAlice), event, ctx);
}

// A ruleset with one override rule, "test", that notifies and highlights under `conditions`.
json::object only_rule(const json::value& conditions) {
    json::object rule{{"rule_id", "test"},
                      {"default", false},
                      {"enabled", true},
                      {"conditions", conditions},
                      {"actions", json::parse(R"(["notify", {"set_tweak": "highlight"}])")}};
    return {{"override", json::array{rule}}};
}

bool rule_matches(const json::value& conditions, const json::object& event,
                  const PushContext& ctx = room_of(3)) {
    return evaluate(only_rule(conditions), event, ctx).rule_id == "test";
}

json::value event_match(const std::string& key, const std::string& pattern) {
    return json::array{{{"kind", "event_match"}, {"key", key}, {"pattern", pattern}}};
}

} // namespace

TEST(PushEvaluator, OneToOneMessageNotifiesWithoutHighlight) {
    auto out = defaults(message("hi there"), room_of(2));
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.room_one_to_one");
    EXPECT_EQ(out.tweaks.at("sound"), "default");
}

TEST(PushEvaluator, GroupMessageNotifiesViaMessageRule) {
    auto out = defaults(message("hi there"), room_of(3));
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.message");
    EXPECT_TRUE(out.tweaks.empty());
}

TEST(PushEvaluator, NoticesDoNotNotify) {
    auto out = defaults(message("build passed", "m.notice"), room_of(2));
    EXPECT_FALSE(out.notify);
    EXPECT_EQ(out.rule_id, ".m.rule.suppress_notices");
}

TEST(PushEvaluator, LocalpartInBodyHighlights) {
    for (const char* body : {"hey alice, lunch?", "ALICE", "alice-bob", "(Alice)"}) {
        auto out = defaults(message(body), room_of(3));
        EXPECT_TRUE(out.highlight) << body;
        EXPECT_EQ(out.rule_id, ".m.rule.contains_user_name") << body;
    }
}

TEST(PushEvaluator, LocalpartNeedsWordBoundaries) {
    for (const char* body : {"alicex", "malice", "alice_", "alice2"}) {
        auto out = defaults(message(body), room_of(3));
        EXPECT_TRUE(out.notify) << body;
        EXPECT_FALSE(out.highlight) << body;
        EXPECT_EQ(out.rule_id, ".m.rule.message") << body;
    }
}

TEST(PushEvaluator, LocalpartFoundPastAnOccurrenceWithoutBoundaries) {
    for (const char* body : {"malice, then alice", "alicex alice", "alice_alice alice."}) {
        auto out = defaults(message(body), room_of(3));
        EXPECT_TRUE(out.highlight) << body;
        EXPECT_EQ(out.rule_id, ".m.rule.contains_user_name") << body;
    }
}

TEST(PushEvaluator, LongGlobPatterns) {
    // Patterns longer than the NFA's inline rows, with and without wildcards.
    const std::string word(70, 'x');
    for (const auto& [pattern, body, hit] : std::vector<std::tuple<std::string, std::string, bool>>{
             {word + "*", "a " + word + "yz b", true},
             {"*" + word + "?", "a " + word + "y b", true},
             {word + "?", "a " + word, false},
             {word, "a " + word + " b", true},
             {word, "a " + word + "x b", false}}) {
        auto rules = json::parse(R"({"content": [{"rule_id": "long", "default": false,
            "enabled": true, "actions": ["notify"]}]})")
                         .as_object();
        rules["content"].as_array()[0].as_object()["pattern"] = pattern;
        auto out = evaluate(rules, message(body), room_of(3));
        EXPECT_EQ(out.rule_id == "long", hit) << pattern << " / " << body;
    }
}

TEST(PushEvaluator, DisplayNameMentionHighlights) {
    auto ctx = room_of(3);
    ctx.display_name = "Queen of Hearts";
    auto out = defaults(message("ask the QUEEN of hearts."), ctx);
    EXPECT_TRUE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.contains_display_name");

    EXPECT_FALSE(defaults(message("queen of heartsy"), ctx).highlight);
    ctx.display_name = "";
    EXPECT_FALSE(defaults(message("queen of hearts"), ctx).highlight);
}

TEST(PushEvaluator, DisplayNameIsNotAGlob) {
    auto ctx = room_of(3);
    ctx.display_name = "a*b";
    EXPECT_FALSE(defaults(message("say axxb now"), ctx).highlight);
    EXPECT_TRUE(defaults(message("say a*b now"), ctx).highlight);
}

TEST(PushEvaluator, IntentionalUserMentionHighlights) {
    auto mentioned = with_content(message("hello"), json::parse(R"({"m.mentions":
        {"user_ids": ["@carol:example.org", "@alice:example.org"]}})"));
    auto out = defaults(mentioned, room_of(3));
    EXPECT_TRUE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.is_user_mention");
}

TEST(PushEvaluator, MentionsPropertyDisablesLegacyMentionRules) {
    auto ctx = room_of(3, 100);
    ctx.display_name = "Queen";
    auto event =
        with_content(message("alice, queen, @room"),
                     json::parse(R"({"m.mentions": {"user_ids": ["@carol:example.org"]}})"));
    auto out = defaults(event, ctx);
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.message");
}

TEST(PushEvaluator, RoomMentionNeedsNotificationPower) {
    auto out = defaults(message("@room standup now"), room_of(3, 50));
    EXPECT_TRUE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.roomnotif");

    out = defaults(message("@room standup now"), room_of(3, 0));
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);

    auto lenient = room_of(3, 0);
    lenient.notification_levels = {{"room", 0}};
    EXPECT_TRUE(defaults(message("@room standup now"), lenient).highlight);

    auto intentional =
        with_content(message("standup now"), json::parse(R"({"m.mentions": {"room": true}})"));
    out = defaults(intentional, room_of(3, 50));
    EXPECT_TRUE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.is_room_mention");
    EXPECT_FALSE(defaults(intentional, room_of(3, 49)).highlight);
}

TEST(PushEvaluator, EditsDoNotNotify) {
    auto edit = with_content(message("* fixed typo"), json::parse(R"({"m.relates_to":
        {"rel_type": "m.replace", "event_id": "$orig"}})"));
    auto out = defaults(edit, room_of(2));
    EXPECT_FALSE(out.notify);
    EXPECT_EQ(out.rule_id, ".m.rule.suppress_edits");
}

TEST(PushEvaluator, InviteForMeNotifiesOtherMemberEventsDoNot) {
    json::object invite{{"type", "m.room.member"},
                        {"sender", "@bob:example.org"},
                        {"room_id", kRoom},
                        {"state_key", kAlice},
                        {"content", {{"membership", "invite"}}}};
    auto out = defaults(invite, room_of(2));
    EXPECT_TRUE(out.notify);
    EXPECT_EQ(out.rule_id, ".m.rule.invite_for_me");

    auto other = invite;
    other["state_key"] = "@carol:example.org";
    out = defaults(other, room_of(2));
    EXPECT_FALSE(out.notify);
    EXPECT_EQ(out.rule_id, ".m.rule.member_event");

    auto join = invite;
    join["state_key"] = "@bob:example.org";
    join["content"] = {{"membership", "join"}};
    EXPECT_FALSE(defaults(join, room_of(2)).notify);
}

TEST(PushEvaluator, EnabledMasterRuleSuppressesEverything) {
    auto rules = default_ruleset(kAlice);
    auto& overrides = rules["override"].as_array();
    for (auto& r : overrides)
        if (r.at("rule_id") == ".m.rule.master") r.as_object()["enabled"] = true;
    // A user rule stored ahead of the master rule, as PushRuleService places them.
    overrides.insert(overrides.begin(), only_rule(json::array{}).at("override").as_array().front());
    auto out = evaluate(rules, message("alice!"), room_of(2));
    EXPECT_FALSE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.master");
}

TEST(PushEvaluator, RoomRuleSuppresses) {
    for (const char* actions : {"[]", R"(["dont_notify"])"}) {
        auto rules = default_ruleset(kAlice);
        rules["room"].as_array().push_back({{"rule_id", kRoom},
                                            {"default", false},
                                            {"enabled", true},
                                            {"actions", json::parse(actions)}});
        auto out = evaluate(rules, message("hi"), room_of(2));
        EXPECT_FALSE(out.notify) << actions;
        EXPECT_EQ(out.rule_id, kRoom) << actions;

        auto elsewhere = message("hi");
        elsewhere["room_id"] = "!other:example.org";
        EXPECT_TRUE(evaluate(rules, elsewhere, room_of(2)).notify) << actions;
    }
}

TEST(PushEvaluator, SenderRuleAppliesToThatSender) {
    auto rules = default_ruleset(kAlice);
    rules["sender"].as_array().push_back(
        {{"rule_id", "@bob:example.org"},
         {"default", false},
         {"enabled", true},
         {"actions", json::parse(R"(["notify", {"set_tweak": "highlight", "value": true}])")}});
    EXPECT_TRUE(evaluate(rules, message("hi"), room_of(3)).highlight);
    auto from_carol = message("hi");
    from_carol["sender"] = "@carol:example.org";
    EXPECT_FALSE(evaluate(rules, from_carol, room_of(3)).highlight);
}

TEST(PushEvaluator, DisabledRulesAndHighlightFalse) {
    auto rules = default_ruleset(kAlice);
    for (auto& r : rules["content"].as_array())
        r.as_object()["enabled"] = false;
    EXPECT_FALSE(evaluate(rules, message("alice"), room_of(3)).highlight);

    auto quiet = only_rule(json::array{});
    quiet["override"].as_array()[0].as_object()["actions"] =
        json::parse(R"(["notify", {"set_tweak": "highlight", "value": false}])");
    auto out = evaluate(quiet, message("hi"), room_of(3));
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);

    // A highlight tweak without "notify" is not a highlight.
    quiet["override"].as_array()[0].as_object()["actions"] =
        json::parse(R"([{"set_tweak": "highlight"}])");
    out = evaluate(quiet, message("hi"), room_of(3));
    EXPECT_FALSE(out.notify);
    EXPECT_FALSE(out.highlight);
}

TEST(PushEvaluator, EscapedDottedKeys) {
    auto thread = with_content(message("hi"), json::parse(R"({"m.relates_to":
        {"rel_type": "m.thread", "event_id": "$root"}, "back\\slash": "yes",
        "m": {"relates_to": {"rel_type": "nested"}}, "m\\.x": "literal", "m.x": "dotted"})"));
    json::value is_thread = json::array{{{"kind", "event_property_is"},
                                         {"key", "content.m\\.relates_to.rel_type"},
                                         {"value", "m.thread"}}};
    EXPECT_TRUE(rule_matches(is_thread, thread));
    EXPECT_TRUE(rule_matches(event_match("content.m\\.relates_to.rel_type", "m.thr*"), thread));
    // Unescaped, the dot separates path segments: this finds content.m.relates_to instead.
    EXPECT_FALSE(rule_matches(event_match("content.m.relates_to.rel_type", "m.thread"), thread));
    EXPECT_TRUE(rule_matches(event_match("content.m.relates_to.rel_type", "nested"), thread));
    EXPECT_TRUE(rule_matches(event_match("content.back\\\\slash", "yes"), thread));
    // Other escapes stay as they are: `\s` is a backslash and an "s".
    EXPECT_TRUE(rule_matches(event_match("content.back\\slash", "yes"), thread));
    EXPECT_TRUE(rule_matches(event_match("content.m\\\\\\.x", "literal"), thread));
    EXPECT_TRUE(rule_matches(event_match("content.m\\.x", "dotted"), thread));
}

TEST(PushEvaluator, GlobWholeValue) {
    auto topic = [](const json::value& t) {
        return json::object{{"type", "m.room.topic"},
                            {"sender", "@bob:example.org"},
                            {"room_id", kRoom},
                            {"state_key", ""},
                            {"content", {{"topic", t}}}};
    };
    auto lunch = event_match("content.topic", "lunc?*");
    EXPECT_TRUE(rule_matches(lunch, topic("Lunch plans")));
    EXPECT_TRUE(rule_matches(lunch, topic("LUNCH")));
    EXPECT_FALSE(rule_matches(lunch, topic(" lunch")));
    EXPECT_FALSE(rule_matches(lunch, topic("lunc")));
    EXPECT_FALSE(rule_matches(lunch, topic(nullptr)));
    EXPECT_FALSE(rule_matches(event_match("content.topic", "*"), topic(42)));
    EXPECT_FALSE(rule_matches(event_match("content.absent", "*"), topic("x")));
    // `?` is one character, not one byte; `*` and `?` can mix in any order.
    EXPECT_TRUE(rule_matches(event_match("content.topic", "caf?"), topic("CAFÉ")));
    EXPECT_FALSE(rule_matches(event_match("content.topic", "caf??"), topic("café")));
    EXPECT_TRUE(rule_matches(event_match("content.topic", "*?b*?"), topic("abc")));
    EXPECT_FALSE(rule_matches(event_match("content.topic", "*?b*?"), topic("ab")));
    EXPECT_TRUE(rule_matches(event_match("state_key", ""), topic("x")));
    EXPECT_FALSE(rule_matches(event_match("type", "m.room"), topic("x")));
}

TEST(PushEvaluator, GlobBodyAtWordBoundaries) {
    auto body = event_match("content.body", "ex*ple");
    EXPECT_TRUE(rule_matches(body, message("An example event.")));
    EXPECT_TRUE(rule_matches(body, message("exple")));
    EXPECT_TRUE(rule_matches(body, message("An exciting triple-whammy")));
    EXPECT_FALSE(rule_matches(body, message("examples")));
    EXPECT_FALSE(rule_matches(body, message("reexample")));
    EXPECT_TRUE(rule_matches(event_match("content.body", "a?c"), message("x abc y")));
    EXPECT_FALSE(rule_matches(event_match("content.body", "a?c"), message("x abbc y")));
}

TEST(PushEvaluator, PathologicalGlobStaysFast) {
    std::string long_a(20000, 'a');
    auto evil = event_match("content.topic", "*a*a*a*a*a*a*a*a*a*a*b");
    json::object event{
        {"type", "m.room.topic"}, {"sender", "@bob:example.org"}, {"content", {{"topic", long_a}}}};
    EXPECT_FALSE(rule_matches(evil, event));
    EXPECT_FALSE(rule_matches(event_match("content.body", "*a*a*a*a*a*a*a*a*a*a*b"),
                              message(long_a + " " + long_a)));
    EXPECT_TRUE(
        rule_matches(event_match("content.body", "*a*a*a*a*a*a*a*a*a*a*b"), message(long_a + "b")));
}

TEST(PushEvaluator, PropertyIsAndContainsAreExact) {
    auto event = with_content(message("hi"), json::parse(R"({"flag": true, "n": 1, "s": "1",
        "nothing": null, "f": 1.0, "list": ["a", 2, false, null, {"x": 1}]})"));
    auto is = [](const std::string& key, const json::value& v) {
        return json::array{{{"kind", "event_property_is"}, {"key", key}, {"value", v}}};
    };
    auto contains = [](const std::string& key, const json::value& v) {
        return json::array{{{"kind", "event_property_contains"}, {"key", key}, {"value", v}}};
    };
    EXPECT_TRUE(rule_matches(is("content.flag", true), event));
    EXPECT_FALSE(rule_matches(is("content.flag", "true"), event));
    EXPECT_FALSE(rule_matches(is("content.flag", 1), event));
    EXPECT_TRUE(rule_matches(is("content.n", 1), event));
    EXPECT_FALSE(rule_matches(is("content.s", 1), event));
    EXPECT_TRUE(rule_matches(is("content.nothing", nullptr), event));
    EXPECT_FALSE(rule_matches(is("content.absent", nullptr), event));
    EXPECT_FALSE(rule_matches(is("content.f", 1), event));
    EXPECT_FALSE(rule_matches(is("content.body", "HI"), event));
    EXPECT_TRUE(rule_matches(contains("content.list", "a"), event));
    EXPECT_TRUE(rule_matches(contains("content.list", 2), event));
    EXPECT_TRUE(rule_matches(contains("content.list", false), event));
    EXPECT_TRUE(rule_matches(contains("content.list", nullptr), event));
    EXPECT_FALSE(rule_matches(contains("content.list", "A"), event));
    EXPECT_FALSE(rule_matches(contains("content.body", "hi"), event));
}

TEST(PushEvaluator, RoomMemberCount) {
    auto count = [](const std::string& is) {
        return json::array{{{"kind", "room_member_count"}, {"is", is}}};
    };
    auto m = message("hi");
    EXPECT_TRUE(rule_matches(count("2"), m, room_of(2)));
    EXPECT_FALSE(rule_matches(count("2"), m, room_of(3)));
    EXPECT_TRUE(rule_matches(count("==3"), m, room_of(3)));
    EXPECT_TRUE(rule_matches(count("<3"), m, room_of(2)));
    EXPECT_FALSE(rule_matches(count("<3"), m, room_of(3)));
    EXPECT_TRUE(rule_matches(count("<=3"), m, room_of(3)));
    EXPECT_TRUE(rule_matches(count(">2"), m, room_of(3)));
    EXPECT_FALSE(rule_matches(count(">2"), m, room_of(2)));
    EXPECT_TRUE(rule_matches(count(">=2"), m, room_of(2)));
    EXPECT_FALSE(rule_matches(count(">=2"), m, room_of(1)));
    for (const char* bad : {"", "=2", "2x", "<", "two", " 2"})
        EXPECT_FALSE(rule_matches(count(bad), m, room_of(2))) << bad;
}

TEST(PushEvaluator, SenderNotificationPermissionDefaultsTo50) {
    json::value perm = json::array{{{"kind", "sender_notification_permission"}, {"key", "ping"}}};
    auto ctx = room_of(3, 49);
    EXPECT_FALSE(rule_matches(perm, message("hi"), ctx));
    ctx.sender_power = 50;
    EXPECT_TRUE(rule_matches(perm, message("hi"), ctx));
    ctx.notification_levels["ping"] = 75;
    EXPECT_FALSE(rule_matches(perm, message("hi"), ctx));
}

TEST(PushEvaluator, OwnEventsNeverNotify) {
    auto own = message("alice @room");
    own["sender"] = kAlice;
    auto out = defaults(own, room_of(2, 100));
    EXPECT_FALSE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_FALSE(out.rule_id.has_value());
}

TEST(PushEvaluator, UnknownConditionKindNeverMatches) {
    auto rules = default_ruleset(kAlice);
    auto unknown = only_rule(json::parse(R"([{"kind": "event_match", "key": "type",
        "pattern": "m.room.message"}, {"kind": "org.example.always"}])"));
    auto& overrides = rules["override"].as_array();
    overrides.insert(overrides.begin(), unknown.at("override").as_array().front());
    auto out = evaluate(rules, message("hi"), room_of(3));
    EXPECT_TRUE(out.notify);
    EXPECT_FALSE(out.highlight);
    EXPECT_EQ(out.rule_id, ".m.rule.message");
    EXPECT_FALSE(rule_matches(json::parse(R"(["not an object"])"), message("hi")));
}

TEST(PushEvaluator, MalformedRulesetDoesNotNotify) {
    auto bad = json::parse(R"({"override": {"rule_id": "x"}, "content": [1, "x", null],
        "room": [{"actions": ["notify"]}], "underride": [{"rule_id": "u",
        "conditions": "oops", "actions": ["notify"]}]})");
    auto out = evaluate(bad.as_object(), message("hi"), room_of(2));
    EXPECT_FALSE(out.notify);
    EXPECT_FALSE(out.rule_id.has_value());
    EXPECT_FALSE(evaluate({}, message("hi"), room_of(2)).notify);
}

// The shared template with placeholders decides exactly as a ruleset built for the user does.
TEST(PushEvaluator, TemplateWithPlaceholdersMatchesPerUserDefaults) {
    auto invite = json::object{{"type", "m.room.member"},
                               {"sender", "@bob:example.org"},
                               {"room_id", kRoom},
                               {"state_key", kAlice},
                               {"content", {{"membership", "invite"}}}};
    auto mention = with_content(message("hi"), json::parse(R"({"m.mentions":
        {"user_ids": ["@alice:example.org"]}})"));
    auto other_mention = with_content(message("hi"), json::parse(R"({"m.mentions":
        {"user_ids": ["@carol:example.org"]}})"));
    for (const auto& event : {message("hello alice"), message("hello alicex"), message("plain"),
                              invite, mention, other_mention}) {
        auto ctx = room_of(3);
        auto expected = evaluate(default_ruleset(kAlice), event, ctx);
        ctx.placeholders = true;
        auto got = evaluate(default_ruleset_template(), event, ctx);
        EXPECT_EQ(got.notify, expected.notify) << json::serialize(event);
        EXPECT_EQ(got.highlight, expected.highlight) << json::serialize(event);
        EXPECT_EQ(got.rule_id, expected.rule_id) << json::serialize(event);
    }
    // Without the flag the template's literal "USER_ID" never matches a real user.
    auto ctx = room_of(3);
    EXPECT_FALSE(evaluate(default_ruleset_template(), invite, ctx).notify);
}

// One prepared event evaluated for many recipients (a message to a big room): what it caches
// (compiled patterns, folded properties) never carries one recipient's placeholder to another.
TEST(PushEvaluator, PreparedEventSharedAcrossRecipients) {
    auto event = message("hello alice and carol");
    const PreparedEvent prepared(event);
    struct Case {
        std::string user, display_name;
    };
    for (int round = 0; round < 2; ++round)
        for (const auto& [user, name] :
             {Case{"@alice:example.org", ""}, Case{"@bob2:example.org", ""},
              Case{"@carol:example.org", "Carol"}, Case{"@dave:example.org", "Dave"}}) {
            auto ctx = room_of(5);
            ctx.user_id = user;
            ctx.display_name = name;
            auto expected = evaluate(default_ruleset(user), event, ctx);
            ctx.placeholders = true;
            auto shared = evaluate(default_ruleset_template(), prepared, ctx);
            EXPECT_EQ(shared.notify, expected.notify) << user;
            EXPECT_EQ(shared.highlight, expected.highlight) << user;
            EXPECT_EQ(shared.rule_id, expected.rule_id) << user;
        }
    auto ctx = room_of(5);
    ctx.placeholders = true;
    EXPECT_TRUE(evaluate(default_ruleset_template(), prepared, ctx).highlight); // alice
    ctx.user_id = "@dave:example.org";
    EXPECT_FALSE(evaluate(default_ruleset_template(), prepared, ctx).highlight);
}

// SharedEvaluation runs the template once per event and only the recipient-dependent rules
// per member: for every event and recipient it must agree with a full evaluation of that
// recipient's own default ruleset, whichever rule decides.
TEST(PushEvaluator, SharedEvaluationAgreesWithFullEvaluation) {
    auto invite = [](const std::string& who) {
        return json::object{{"type", "m.room.member"},
                            {"sender", "@bob:example.org"},
                            {"room_id", kRoom},
                            {"state_key", who},
                            {"content", {{"membership", "invite"}}}};
    };
    auto mentions = [](const std::string& ids) {
        return with_content(message("hi"),
                            json::parse(R"({"m.mentions": {"user_ids": )" + ids + "}}"));
    };
    std::vector<json::object> events{
        message("hello alice"),
        message("hello Carol Ann!"),
        message("plain"),
        message("@room look", "m.text"),
        message("dave", "m.notice"),
        invite(kAlice),
        invite("@carol:example.org"),
        mentions(R"(["@alice:example.org"])"),
        mentions(R"(["@zed:example.org"])"),
        with_content(message("hello alice"), json::parse(R"({"m.mentions": {}})"))};
    struct Recipient {
        std::string user, display_name;
    };
    const std::vector<Recipient> recipients{{kAlice, ""},
                                            {"@carol:example.org", "Carol Ann"},
                                            {"@dave:example.org", "Dave"},
                                            {"@bob:example.org", "Bob"}, // the sender
                                            {"@zed:example.org", ""}};
    int events_that_tell_recipients_apart = 0;
    for (std::int64_t members : {2, 7})
        for (std::int64_t power : {0, 100})
            for (const auto& event : events) {
                const PreparedEvent prepared(event);
                auto ctx = room_of(members, power);
                ctx.placeholders = true;
                const SharedEvaluation shared(default_ruleset_template(), prepared, ctx);
                std::set<std::optional<std::string>> deciding_rules;
                for (const auto& r : recipients) {
                    auto own = room_of(members, power);
                    own.user_id = r.user;
                    own.display_name = r.display_name;
                    auto expected = evaluate(default_ruleset(r.user), event, own);
                    own.placeholders = true;
                    auto got = shared.evaluate(own);
                    auto where = json::serialize(event) + " for " + r.user;
                    EXPECT_EQ(got.notify, expected.notify) << where;
                    EXPECT_EQ(got.highlight, expected.highlight) << where;
                    EXPECT_EQ(got.rule_id, expected.rule_id) << where;
                    deciding_rules.insert(expected.rule_id);
                }
                // Events whose recipients are decided by different rules: the per-recipient
                // part of the shared run is what is being tested there.
                if (deciding_rules.size() > 1) ++events_that_tell_recipients_apart;
            }
    EXPECT_GE(events_that_tell_recipients_apart, 20);
}

// A rule whose first condition names the recipient by placeholder fails for nobody in the
// shared run, so its contains_display_name is never reached there: the display name is still
// needed (found by the push_rules fuzzer).
TEST(PushEvaluator, SharedEvaluationNeedsTheDisplayNameBehindAPlaceholderCondition) {
    auto ruleset = json::parse(R"({"override": [{
        "rule_id": "mine", "default": false, "enabled": true,
        "conditions": [
            {"kind": "event_match", "key": "content.to", "pattern": "USER_ID"},
            {"kind": "contains_display_name"}],
        "actions": ["notify"]}]})")
                       .as_object();
    auto event = with_content(message("hello Alice Liddell"), json::object{{"to", kAlice}});
    const PreparedEvent prepared(event);
    auto ctx = room_of(3);
    ctx.placeholders = true;
    ctx.display_name = "Alice Liddell";
    EXPECT_TRUE(evaluate(ruleset, prepared, ctx).notify);
    const SharedEvaluation shared(ruleset, prepared, ctx);
    EXPECT_TRUE(shared.needs_display_name());
    EXPECT_TRUE(shared.evaluate(ctx).notify);
}
