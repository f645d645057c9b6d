// The SQLite store against a real database file in a temporary directory.
#include "store/migrations.hpp"
#include "store/store.hpp"
#include <filesystem>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

using namespace myelin;

namespace {
struct TempDb {
    std::filesystem::path dir;
    TempDb() {
        dir = std::filesystem::temp_directory_path() /
              ("myelin-unit-" + std::to_string(::getpid()) + "-" +
               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::filesystem::create_directories(dir);
    }
    ~TempDb() { std::filesystem::remove_all(dir); }
    std::string url() const { return "sqlite:" + (dir / "t.db").string(); }
};

store::UserRecord user(const std::string& id) {
    store::UserRecord u;
    u.user_id = id;
    u.password_hash = "h";
    u.created_ts = 1;
    return u;
}

store::NewSession session(const std::string& dev, const std::string& tok) {
    store::NewSession s;
    s.device_id = dev;
    s.token_hash = tok;
    s.ip = "127.0.0.1";
    s.ts = 5;
    return s;
}
} // namespace

TEST(SqliteStore, CreateUserIsAtomicAndUnique) {
    TempDb t;
    auto s = store::open_store(t.url());
    EXPECT_TRUE(s->create_user(user("@a:hs"), {"a", std::nullopt}, session("D1", "tok1")));
    EXPECT_FALSE(s->create_user(user("@a:hs"), {"other", std::nullopt}, session("D2", "tok2")));
    // The refused duplicate wrote nothing: no second device, no token, same profile.
    EXPECT_EQ(s->list_devices("@a:hs").size(), 1u);
    EXPECT_FALSE(s->find_token("tok2"));
    EXPECT_EQ(s->get_profile("@a:hs").displayname, "a");
    auto owner = s->find_token("tok1");
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->device_id, "D1");
}

TEST(SqliteStore, DeletingDevicesRevokesTheirTokens) {
    TempDb t;
    auto s = store::open_store(t.url());
    ASSERT_TRUE(s->create_user(user("@a:hs"), {}, session("D1", "t1")));
    s->add_session("@a:hs", session("D2", "t2"));
    s->add_session("@a:hs", session("D3", "t3"));
    EXPECT_EQ(s->delete_devices("@a:hs", {"D1", "nope"}), 1u);
    EXPECT_FALSE(s->find_token("t1"));
    s->delete_all_devices("@a:hs", "D3");
    EXPECT_FALSE(s->find_token("t2"));
    EXPECT_TRUE(s->find_token("t3"));
    ASSERT_EQ(s->list_devices("@a:hs").size(), 1u);
}

TEST(SqliteStore, SurvivesReopenAndDeactivation) {
    TempDb t;
    {
        auto s = store::open_store(t.url());
        ASSERT_TRUE(s->create_user(user("@a:hs"), {"A", "mxc://x/y"}, session("D1", "t1")));
        s->put_meta("k", "v1");
        s->put_meta("k", "v2");
    }
    auto s = store::open_store(t.url()); // migrations do not run twice
    EXPECT_EQ(s->get_meta("k"), "v2");
    EXPECT_TRUE(s->find_token("t1"));
    s->deactivate_user("@a:hs");
    EXPECT_FALSE(s->find_token("t1"));
    EXPECT_TRUE(s->get_user("@a:hs")->deactivated);
    EXPECT_TRUE(s->user_exists("@a:hs")); // the id stays taken
    EXPECT_FALSE(s->get_profile("@a:hs").avatar_url);
}

// The store remembers tokens it found (one process serves a SQLite file): every way of ending
// a token, or of changing what it answers, must reach a token that was just looked up.
TEST(SqliteStore, TokensFoundBeforeARevocationAreRevokedWithIt) {
    TempDb t;
    auto s = store::open_store(t.url());
    ASSERT_TRUE(s->create_user(user("@a:hs"), {}, session("D1", "t1")));
    ASSERT_TRUE(s->create_user(user("@b:hs"), {}, session("B1", "b1")));
    for (const auto& [dev, tok] : {std::pair{"D2", "t2"}, {"D3", "t3"}, {"D4", "t4"}})
        s->add_session("@a:hs", session(dev, tok));
    for (auto tok : {"t1", "t2", "t3", "t4", "b1"})
        ASSERT_TRUE(s->find_token(tok)) << tok;
    EXPECT_FALSE(s->find_token("t1")->is_admin);

    s->set_admin("@a:hs", true);
    EXPECT_TRUE(s->find_token("t1")->is_admin);
    s->set_admin("@a:hs", false);
    EXPECT_FALSE(s->find_token("t1")->is_admin);

    EXPECT_EQ(s->delete_devices("@a:hs", {"D1"}), 1u);
    EXPECT_FALSE(s->find_token("t1"));
    EXPECT_EQ(s->find_token("t2")->device_id, "D2");
    s->delete_all_devices("@a:hs", "D4");
    EXPECT_FALSE(s->find_token("t2"));
    EXPECT_FALSE(s->find_token("t3"));
    EXPECT_EQ(s->find_token("t4")->user_id, "@a:hs");
    s->deactivate_user("@a:hs");
    EXPECT_FALSE(s->find_token("t4"));
    EXPECT_EQ(s->find_token("b1")->user_id, "@b:hs"); // others' tokens are untouched
}

// To-device acknowledgements: a device found to have nothing waiting is remembered, and a
// message stored for it afterwards is still delivered, once, until acknowledged.
TEST(SqliteStore, ToDeviceMessagesForADeviceKnownEmptyAreDelivered) {
    TempDb t;
    auto s = store::open_store(t.url());
    auto msg = [](const std::string& dev, const std::string& body) {
        return store::ToDeviceMessage{"@a:hs", dev, "@b:hs", "m.test", body, 0};
    };
    s->ack_to_device("@a:hs", "D1", s->max_stream_position()); // nothing waits: remembered
    EXPECT_TRUE(s->to_device_for("@a:hs", "D1", 0, s->max_stream_position()).empty());

    auto p1 = s->put_to_device({"@b:hs", "B", "txn1"}, {msg("D1", "{\"n\":1}"), msg("D2", "{}")});
    ASSERT_TRUE(p1);
    auto p2 = s->put_to_device({"@b:hs", "B", "txn2"}, {msg("D1", "{\"n\":2}")});
    ASSERT_TRUE(p2);
    auto got = s->to_device_for("@a:hs", "D1", 0, *p2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].content, "{\"n\":1}");
    EXPECT_EQ(got[1].content, "{\"n\":2}");

    s->ack_to_device("@a:hs", "D1", *p1); // the second stays until it is acknowledged too
    got = s->to_device_for("@a:hs", "D1", 0, *p2);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].stream_position, *p2);
    s->ack_to_device("@a:hs", "D1", *p2);
    EXPECT_TRUE(s->to_device_for("@a:hs", "D1", 0, *p2).empty());
    EXPECT_EQ(s->to_device_for("@a:hs", "D2", 0, *p2).size(), 1u); // another device's stays

    auto p3 = s->put_to_device({"@b:hs", "B", "txn3"}, {msg("D1", "{\"n\":3}")});
    ASSERT_TRUE(p3);
    got = s->to_device_for("@a:hs", "D1", *p2, *p3);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].content, "{\"n\":3}");
}

TEST(SqliteStore, RegistrationTokensCountUses) {
    TempDb t;
    auto s = store::open_store(t.url());
    s->put_registration_token({"once", 1, 0, std::nullopt});
    s->put_registration_token({"expired", std::nullopt, 0, 100});
    EXPECT_TRUE(s->consume_registration_token("once", 50));
    EXPECT_FALSE(s->consume_registration_token("once", 50));
    EXPECT_FALSE(s->consume_registration_token("expired", 200));
    EXPECT_FALSE(s->consume_registration_token("missing", 0));
    EXPECT_EQ(s->get_registration_token("once")->completed, 1);
}

// Schema 10 moved push actions into room order with running counts: a database written by an
// older build keeps its unread counts.
TEST(SqliteStore, PushActionsOfAnOlderSchemaKeepTheirCounts) {
    auto dir =
        std::filesystem::temp_directory_path() / ("myelin-migrate-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "old.db").string();
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        auto run = [&](const std::string& sql) {
            char* err = nullptr;
            ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
                << (err ? err : "");
        };
        run("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)");
        for (int v = 1; v <= 9; ++v) {
            run(store::migrations()[static_cast<std::size_t>(v - 1)]);
            run("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(v) + ")");
        }
        run("INSERT INTO event_push_actions VALUES ('@b:x', '!r:x', 7, 'main', 0), "
            "('@b:x', '!r:x', 9, 'main', 1), ('@b:x', '!r:x', 12, '$t', 0), "
            "('@c:x', '!r:x', 7, 'main', 0)");
        sqlite3_close(raw);
    }
    {
        auto s = store::open_store("sqlite:" + path);
        auto b = s->unread_counts("@b:x", "!r:x");
        ASSERT_EQ(b.size(), 2u);
        EXPECT_EQ(b["main"].notifications, 2);
        EXPECT_EQ(b["main"].highlights, 1);
        EXPECT_EQ(b["$t"].notifications, 1);
        EXPECT_EQ(s->unread_counts("@c:x", "!r:x")["main"].notifications, 1);
    }
    std::filesystem::remove_all(dir);
}
