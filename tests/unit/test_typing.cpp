// Typing serials are shared across processes (wall-clock based), so a token one service hands
// out must order correctly against changes another service applies later.
#include "room/typing.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

using namespace myelin;
using namespace std::chrono_literals;

TEST(Typing, ChangesAfterATokenAreNewerThanItOnAnyProcess) {
    boost::asio::io_context io;
    room::TypingService here(io.get_executor()), there(io.get_executor());
    std::vector<std::string> published;
    here.on_set = [&](const std::string& room, const std::string& user, bool, auto) {
        published.push_back(room + " " + user);
    };
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
    // apply_remote never publishes again.
    EXPECT_EQ(published.size(), 1u);
    // Serials of successive changes strictly increase even within one microsecond.
    auto before = here.serial();
    here.set("!r:x", "@b:x", true, 30s);
    here.set("!r:x", "@b:x", false, 30s);
    EXPECT_GT(here.serial(), before);
    EXPECT_EQ(here.rooms_changed_since(before), (std::vector<std::string>{"!r:x"}));
    EXPECT_TRUE(here.any_changed_since(before));
}
