// Typing serials are shared across processes (wall-clock based), so a token one service hands
// out must order correctly against changes another service applies later.
#include "room/typing.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

using namespace myelin;
using namespace std::chrono_literals;

TEST(Typing, ChangesAfterATokenAreNewerThanItOnAnyProcess) {
    boost::asio::io_context io;
    feed::ChangeFeed here_feed, there_feed;
    room::TypingService here(io.get_executor(), here_feed), there(io.get_executor(), there_feed);
    std::vector<std::string> published; // what `here` tells the other processes
    here_feed.subscribe("test", [&](const feed::Change& c) {
        if (c.kind == feed::Kind::typing_set)
            published.push_back(std::string(c.room) + " " + std::string(c.user));
    });
    std::vector<feed::Origin> there_changes; // the typers of a room changed on `there`
    there_feed.subscribe("test", [&](const feed::Change& c) {
        EXPECT_NE(c.kind, feed::Kind::typing_set);
        if (c.kind == feed::Kind::typing) there_changes.push_back(c.origin);
    });
    here.set("!r:x", "@a:x", true, 30s);
    EXPECT_EQ(published, (std::vector<std::string>{"!r:x @a:x"}));
    auto token = there.serial(); // handed out by the other process, before it applies the change
    there.apply_remote("!r:x", "@a:x", true, 30s);
    EXPECT_TRUE(there.any_changed_since(token));
    auto changed = there.changed_since("!r:x", token);
    ASSERT_TRUE(changed.has_value());
    EXPECT_EQ(*changed, (std::vector<std::string>{"@a:x"}));
    // A token taken after the change covers it, on either service.
    EXPECT_FALSE(there.changed_since("!r:x", there.serial()).has_value());
    EXPECT_TRUE(here.rooms_changed_since(here.serial()).empty());
    EXPECT_FALSE(there.any_changed_since(there.serial()));
    EXPECT_FALSE(here.any_changed_since(here.serial()));
    // apply_remote never sends the change on again; it reports the typers changed, as another
    // process's change.
    EXPECT_EQ(published.size(), 1u);
    EXPECT_EQ(there_changes, (std::vector<feed::Origin>{feed::Origin::other_process}));
    // Serials of successive changes strictly increase even within one microsecond.
    auto before = here.serial();
    here.set("!r:x", "@b:x", true, 30s);
    here.set("!r:x", "@b:x", false, 30s);
    EXPECT_GT(here.serial(), before);
    EXPECT_EQ(here.rooms_changed_since(before), (std::vector<std::string>{"!r:x"}));
    EXPECT_TRUE(here.any_changed_since(before));
}
