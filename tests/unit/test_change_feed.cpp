// The change feed: its order and reentrancy rules, and that the services of app::Core publish
// what they change (kind, origin, whom and where) through it.
#include "feed/change_feed.hpp"
#include "service_fixture.hpp"

#include <gtest/gtest.h>

using namespace myelin;

namespace {
struct Seen {
    feed::Kind kind;
    feed::Origin origin;
    std::string room, user;
    std::vector<std::string> users;
    std::int64_t position;
};

// Records every change a Core's feed publishes.
struct Recorder {
    explicit Recorder(feed::ChangeFeed& f) {
        f.subscribe("test recorder", [this](const feed::Change& c) {
            seen.push_back({c.kind, c.origin, std::string(c.room), std::string(c.user),
                            std::vector<std::string>(c.users.begin(), c.users.end()), c.position});
        });
    }
    std::vector<Seen> of(feed::Kind k) const {
        std::vector<Seen> out;
        for (const auto& s : seen)
            if (s.kind == k) out.push_back(s);
        return out;
    }
    std::vector<Seen> seen;
};
} // namespace

TEST(ChangeFeed, SubscribersRunInOrderAndMayPublishMore) {
    feed::ChangeFeed feed;
    std::vector<std::string> calls;
    feed.subscribe("first", [&](const feed::Change& c) {
        calls.push_back("first:" + std::string(c.user));
        // A subscriber's own change reaches every subscriber before the outer one goes on.
        if (c.kind == feed::Kind::device_removed) {
            feed::Change k(feed::Kind::keys);
            k.user = c.user;
            feed.publish(k);
        }
    });
    feed.subscribe("second", [&](const feed::Change& c) {
        calls.push_back(std::string(c.kind == feed::Kind::keys ? "second keys:" : "second:") +
                        std::string(c.user));
    });
    feed::Change c(feed::Kind::device_removed);
    c.user = "@a:x";
    feed.publish(c);
    EXPECT_EQ(calls, (std::vector<std::string>{"first:@a:x", "first:@a:x", "second keys:@a:x",
                                               "second:@a:x"}));
    EXPECT_EQ(feed.subscriber_names(), (std::vector<std::string>{"first", "second"}));
}

TEST(ChangeFeed, CoreSubscribesPushCountingFirstAndTheNotifierLast) {
    fixture::ServiceFixture f;
    auto names = f.core->feed.subscriber_names();
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names.front(), "push counting");
    EXPECT_EQ(names.back(), "sync notifier");
}

TEST(ChangeFeed, ServicesPublishWhatTheyChange) {
    fixture::ServiceFixture f;
    auto alice = f.user("alice");
    auto bob = f.user("bob");
    auto room = fixture::RoomBuilder(f, alice).member(bob).build();
    Recorder rec(f.core->feed); // subscribed after the notifier: sees what it saw

    auto sent = f.core->rooms.send_event(room, alice.actor(), "m.room.message",
                                         {{"msgtype", "m.text"}, {"body", "hi"}});
    auto events = rec.of(feed::Kind::room_event);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].origin, feed::Origin::here);
    EXPECT_EQ(events[0].room, room);
    EXPECT_EQ(events[0].position, sent.stream_ordering);
    // Push counting ran for it: bob's actions for that event were published.
    auto actions = rec.of(feed::Kind::push_actions);
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].position, sent.stream_ordering);

    f.core->receipts.post(bob.user_id, room, "m.read", sent.event_id, "");
    auto receipts = rec.of(feed::Kind::receipt);
    ASSERT_EQ(receipts.size(), 1u);
    EXPECT_EQ(receipts[0].user, bob.user_id);
    EXPECT_EQ(receipts[0].room, room);

    f.core->account_data.put(alice.user_id, "", "org.example.x", {{"a", 1}});
    auto data = rec.of(feed::Kind::account_data);
    ASSERT_EQ(data.size(), 1u);
    EXPECT_EQ(data[0].user, alice.user_id);
    EXPECT_GT(data[0].position, sent.stream_ordering);

    f.core->typing.set(room, bob.user_id, true, std::chrono::seconds(10));
    ASSERT_EQ(rec.of(feed::Kind::typing_set).size(), 1u);
    auto typing = rec.of(feed::Kind::typing);
    ASSERT_EQ(typing.size(), 1u);
    EXPECT_EQ(typing[0].room, room);
    f.core->typing.set(room, bob.user_id, true, std::chrono::seconds(10)); // no change of typers
    EXPECT_EQ(rec.of(feed::Kind::typing).size(), 1u);

    boost::json::object to_bob;
    to_bob["*"] = boost::json::object{{"x", 1}};
    boost::json::object messages;
    messages[bob.user_id] = std::move(to_bob);
    f.core->to_device.send(alice.user_id, alice.device_id, "m.test", "txn1", messages);
    auto to_device = rec.of(feed::Kind::to_device);
    ASSERT_EQ(to_device.size(), 1u);
    EXPECT_EQ(to_device[0].users, (std::vector<std::string>{bob.user_id}));

    // A deleted device: its keys go (the "device keys" subscriber), which publishes key counts
    // and a key change for the room-mates, all before the notifier hears of the removal.
    rec.seen.clear();
    f.core->accounts.delete_devices(bob.user_id, {bob.device_id});
    ASSERT_FALSE(rec.seen.empty());
    EXPECT_EQ(rec.seen.back().kind, feed::Kind::device_removed);
    EXPECT_EQ(rec.of(feed::Kind::keys).size(), 1u);
    EXPECT_EQ(rec.of(feed::Kind::key_counts).size(), 1u);
}

TEST(ChangeFeed, PresenceBatchesArePublishedAsOneChange) {
    fixture::ServiceFixture f;
    auto alice = f.user("alice");
    auto bob = f.user("bob");
    Recorder rec(f.core->feed);
    f.core->presence.set(alice.user_id, "online", std::nullopt);
    f.core->presence.set(bob.user_id, "unavailable", std::string("away"));
    EXPECT_TRUE(rec.of(feed::Kind::presence).empty()); // gathered first
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (rec.of(feed::Kind::presence).empty() && std::chrono::steady_clock::now() < deadline)
        f.io.run_one_for(std::chrono::milliseconds(20));
    auto presence = rec.of(feed::Kind::presence);
    ASSERT_EQ(presence.size(), 1u);
    EXPECT_EQ(presence[0].origin, feed::Origin::here);
    EXPECT_EQ(presence[0].users, (std::vector<std::string>{alice.user_id, bob.user_id}));
}
