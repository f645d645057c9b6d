// The sync engine's sections, in-process: the real services (app::Core) over a temporary
// SQLite database, asked directly through SyncService::compute and run_sse_session. Each test
// runs twice: with the store's work inline on the loop (SQLite's default) and with two DbPool
// threads, where each sync's own rows are read on another connection (PostgreSQL's way).
#include "service_fixture.hpp"

#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

using namespace myelin;
using myelin::fixture::MemorySseSink;
using myelin::fixture::RoomBuilder;
using myelin::fixture::ServiceFixture;
namespace json = boost::json;

namespace {
const json::object* room_in(const json::object& sync, const char* section, const std::string& id) {
    const auto* rooms = sync.if_contains("rooms");
    if (!rooms) return nullptr;
    const auto* s = rooms->as_object().if_contains(section);
    if (!s) return nullptr;
    const auto* r = s->as_object().if_contains(id);
    return r ? &r->as_object() : nullptr;
}
const json::array& events_of(const json::object& room, const char* part) {
    return room.at(part).at("events").as_array();
}
std::vector<std::string> bodies(const json::array& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        if (e.at("type") == "m.room.message")
            out.emplace_back(e.at("content").at("body").as_string());
    return out;
}
void say(ServiceFixture& f, const fixture::Account& who, const std::string& room,
         const std::string& body) {
    f.core->rooms.send_event(room, who.actor(), "m.room.message",
                             json::object{{"msgtype", "m.text"}, {"body", body}});
}
sync::SyncFilter filter(const char* text) {
    return sync::SyncFilter::parse(json::parse(text).as_object());
}
} // namespace

// The parameter: DbPool threads.
class SyncSections : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(Store, SyncSections, ::testing::Values(0, 2),
                         [](const auto& info) { return info.param ? "OffLoop" : "Inline"; });

TEST_P(SyncSections, InitialSyncHasTheRoomWithStateTimelineAndKeyCounts) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto room = RoomBuilder(f, alice).name("Lobby").build();
    auto s = f.sync(alice);
    EXPECT_TRUE(tokens::parse_sync_token(std::string(s.at("next_batch").as_string())));
    const auto* r = room_in(s, "join", room);
    ASSERT_NE(r, nullptr) << json::serialize(s);
    bool named = false;
    for (const auto* part : {"state", "timeline"})
        for (const auto& e : events_of(*r, part))
            named |= e.at("type") == "m.room.name" && e.at("content").at("name") == "Lobby";
    EXPECT_TRUE(named);
    EXPECT_EQ(r->at("summary").at("m.joined_member_count").as_int64(), 1);
    EXPECT_TRUE(s.at("device_one_time_keys_count").is_object());
    // With threads, the sync's own rows were read there, not on the loop.
    EXPECT_EQ(f.core->db.jobs() > 0, GetParam() > 0);
}

TEST_P(SyncSections, AnIncrementalSyncCarriesOnlyWhatIsNewAndThenNothing) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto bob = f.user("bob");
    auto room = RoomBuilder(f, alice).member(bob).build();
    auto first = f.sync(alice);
    say(f, bob, room, "hello");
    auto second = f.sync(alice, std::string(first.at("next_batch").as_string()));
    const auto* r = room_in(second, "join", room);
    ASSERT_NE(r, nullptr) << json::serialize(second);
    EXPECT_EQ(bodies(events_of(*r, "timeline")), std::vector<std::string>{"hello"});
    EXPECT_FALSE(r->at("timeline").at("limited").as_bool());
    EXPECT_TRUE(events_of(*r, "state").empty());
    auto third = f.sync(alice, std::string(second.at("next_batch").as_string()));
    EXPECT_FALSE(third.contains("rooms")) << json::serialize(third);
    auto pos = [](const json::object& s) {
        return tokens::parse_sync_token(std::string(s.at("next_batch").as_string()))->pos;
    };
    EXPECT_EQ(pos(third), pos(second)); // nothing was stored in between
}

TEST_P(SyncSections, ALimitedTimelineCarriesTheStateThatChangedInTheGap) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto room = RoomBuilder(f, alice).build();
    auto since = std::string(f.sync(alice).at("next_batch").as_string());
    f.core->rooms.send_event(room, alice.actor(), "m.room.topic",
                             json::object{{"topic", "in the gap"}}, "");
    for (int i = 0; i < 5; ++i)
        say(f, alice, room, "m" + std::to_string(i));
    auto s = f.sync(alice, since, filter(R"({"room":{"timeline":{"limit":2}}})"));
    const auto* r = room_in(s, "join", room);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(bodies(events_of(*r, "timeline")), (std::vector<std::string>{"m3", "m4"}));
    EXPECT_TRUE(r->at("timeline").at("limited").as_bool());
    bool topic = false;
    for (const auto& e : events_of(*r, "state"))
        topic |= e.at("type") == "m.room.topic";
    EXPECT_TRUE(topic) << json::serialize(*r);
    // The same range and filter a second time comes from the shared slice: the same answer.
    auto again = f.sync(alice, since, filter(R"({"room":{"timeline":{"limit":2}}})"));
    EXPECT_EQ(json::serialize(*room_in(again, "join", room)), json::serialize(*r));
}

TEST_P(SyncSections, InvitesCarryStrippedStateAndARejectionIsALeave) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto carol = f.user("carol");
    auto room = RoomBuilder(f, alice).name("Secret").preset("private_chat").build();
    auto since = std::string(f.sync(carol).at("next_batch").as_string());
    f.core->rooms.invite(alice.actor(), room, carol.user_id, std::nullopt);
    auto s = f.sync(carol, since);
    const auto* r = room_in(s, "invite", room);
    ASSERT_NE(r, nullptr) << json::serialize(s);
    bool name = false, own = false;
    for (const auto& e : events_of(*r, "invite_state")) {
        name |= e.at("type") == "m.room.name" && e.at("content").at("name") == "Secret";
        own |= e.at("type") == "m.room.member" && e.at("state_key").as_string() == carol.user_id;
    }
    EXPECT_TRUE(name);
    EXPECT_TRUE(own);
    f.core->rooms.leave(carol.actor(), room, std::nullopt);
    auto after = f.sync(carol, std::string(s.at("next_batch").as_string()));
    EXPECT_NE(room_in(after, "leave", room), nullptr) << json::serialize(after);
    EXPECT_EQ(room_in(after, "invite", room), nullptr);
}

TEST_P(SyncSections, ToDeviceArrivesAHundredAtATimeWithACursorInTheToken) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto bob = f.user("bob");
    auto since = std::string(f.sync(bob).at("next_batch").as_string());
    for (int i = 0; i < 150; ++i)
        f.core->to_device.send(alice.user_id, alice.device_id, "m.test", "t" + std::to_string(i),
                               json::object{{bob.user_id, {{bob.device_id, {{"n", i}}}}}});
    auto first = f.sync(bob, since);
    ASSERT_TRUE(first.contains("to_device"));
    EXPECT_EQ(first.at("to_device").at("events").as_array().size(), 100u);
    auto token = tokens::parse_sync_token(std::string(first.at("next_batch").as_string()));
    ASSERT_TRUE(token && token->to_device) << first.at("next_batch");
    auto second = f.sync(bob, std::string(first.at("next_batch").as_string()));
    const auto& rest = second.at("to_device").at("events").as_array();
    ASSERT_EQ(rest.size(), 50u);
    EXPECT_EQ(rest.back().at("content").at("n").as_int64(), 149);
    EXPECT_FALSE(
        tokens::parse_sync_token(std::string(second.at("next_batch").as_string()))->to_device);
}

TEST_P(SyncSections, AccountDataGoesGlobalOrToItsRoom) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto room = RoomBuilder(f, alice).build();
    auto since = std::string(f.sync(alice).at("next_batch").as_string());
    f.core->account_data.put(alice.user_id, "", "org.example.global", json::object{{"a", 1}});
    f.core->account_data.put(alice.user_id, room, "org.example.room", json::object{{"b", 2}});
    auto s = f.sync(alice, since);
    const auto& global = s.at("account_data").at("events").as_array();
    ASSERT_EQ(global.size(), 1u);
    EXPECT_EQ(global[0].at("type"), "org.example.global");
    const auto* r = room_in(s, "join", room);
    ASSERT_NE(r, nullptr) << json::serialize(s);
    EXPECT_EQ(events_of(*r, "account_data")[0].at("content").at("b").as_int64(), 2);
    EXPECT_TRUE(events_of(*r, "timeline").empty());
}

TEST_P(SyncSections, AnSseSessionSendsEachAnswerWithItsNextBatchAsId) {
    ServiceFixture f(GetParam());
    auto alice = f.user("alice");
    auto room = RoomBuilder(f, alice).build();
    MemorySseSink sink;
    sync::SyncRequest req;
    req.user_id = alice.user_id;
    req.device_id = alice.device_id;
    sync::SseOptions opts;
    opts.heartbeat = std::chrono::seconds(30);
    opts.still_authorized = [] { return true; };
    bool ended = false;
    boost::asio::co_spawn(
        f.io,
        [&]() -> boost::asio::awaitable<void> {
            co_await sync::run_sse_session(f.core->sync, sink, req, opts);
            ended = true;
        },
        boost::asio::detached);
    auto pump_until = [&](auto done) {
        for (int i = 0; i < 500 && !done(); ++i)
            f.io.run_one_for(std::chrono::milliseconds(10));
        return done();
    };
    auto events = [&] {
        std::vector<std::string> out;
        for (const auto& t : sink.sent)
            if (t.rfind("id: ", 0) == 0) out.push_back(t);
        return out;
    };
    ASSERT_TRUE(pump_until([&] { return events().size() >= 1; }));
    say(f, alice, room, "over sse");
    ASSERT_TRUE(pump_until([&] { return events().size() >= 2; }));
    auto second = events()[1];
    auto id = second.substr(4, second.find('\n') - 4);
    auto data = json::parse(second.substr(second.find("data: ") + 6)).as_object();
    EXPECT_EQ(data.at("next_batch").as_string(), id);
    EXPECT_EQ(bodies(events_of(*room_in(data, "join", room), "timeline")),
              std::vector<std::string>{"over sse"});
    sink.close();
    EXPECT_TRUE(pump_until([&] { return ended; }));
}
