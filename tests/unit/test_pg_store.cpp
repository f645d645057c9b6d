// The store on PostgreSQL. Skipped unless MYELIN_TEST_PG names a cluster
// (e.g. postgresql://postgres@127.0.0.1:55432, see scripts/pg_cluster.sh); each test gets a
// fresh database.
#include "store/postgres/pg_connection.hpp"
#include "store/sql/connection.hpp"
#include "store/store.hpp"
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

using namespace myelin;

namespace {
class PgDb : public ::testing::Test {
protected:
    std::string base, name, url;
    void SetUp() override {
        const char* env = std::getenv("MYELIN_TEST_PG");
        if (!env || !*env) GTEST_SKIP() << "MYELIN_TEST_PG not set";
        base = env;
        while (!base.empty() && base.back() == '/')
            base.pop_back();
        name = "myelin_unit_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
        admin("DROP DATABASE IF EXISTS \"" + name + "\"");
        admin("CREATE DATABASE \"" + name + "\"");
        url = base + "/" + name;
    }
    void TearDown() override {
        if (!name.empty()) admin("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    }
    void admin(const std::string& sql) {
        store::postgres::PgConnection(base + "/postgres").exec(sql);
    }
};

store::NewEvent ev(const std::string& id, const std::string& type,
                   std::optional<std::string> key = std::nullopt) {
    store::NewEvent e;
    e.event_id = id;
    e.room_id = "!r:x";
    e.type = type;
    e.state_key = std::move(key);
    e.sender = "@a:x";
    e.origin_server_ts = 1700000000000;
    e.depth = 1;
    e.json = "{}";
    return e;
}
} // namespace

TEST_F(PgDb, MigratesOnceAndStoresRoomsAndKeys) {
    { auto s = store::open_store(url); }
    auto s = store::open_store(url); // migrations do not run twice
    s->create_room(store::RoomRecord{"!r:x", "11", "@a:x", true, 1});
    auto p1 = s->append_event(ev("$1", "m.room.create", ""), std::nullopt);
    auto p2 = s->append_event(ev("$2", "m.room.message"), store::TxnKey{"@a:x", "D", "t1"});
    EXPECT_EQ(p2, p1 + 1);
    EXPECT_EQ(s->max_stream_position(), p2);
    EXPECT_EQ(s->find_txn(store::TxnKey{"@a:x", "D", "t1"}), "$2");
    EXPECT_THROW(s->append_event(ev("$3", "m.room.message"), store::TxnKey{"@a:x", "D", "t1"}),
                 store::TxnExists); // found inside the append's own transaction
    EXPECT_EQ(s->max_stream_position(), p2);
    EXPECT_EQ(s->current_state("!r:x").size(), 1u);
    EXPECT_EQ(s->room_events("!r:x", p2, 'b', 10).size(), 2u);
    EXPECT_TRUE(s->relations("!r:x", "$1", std::nullopt, std::nullopt, 0, 'f', 10).empty());
    EXPECT_EQ(s->public_rooms(), std::vector<std::string>{"!r:x"});
    EXPECT_TRUE(s->put_alias("#a:x", "!r:x", "@a:x"));
    EXPECT_FALSE(s->put_alias("#a:x", "!r:x", "@a:x")); // ON CONFLICT DO NOTHING: no change

    EXPECT_FALSE(s->backup_version("@a:x", std::nullopt)); // NULL parameter of unknown type
    auto v = s->create_backup_version("@a:x", "alg", "{}");
    s->put_backup_keys("@a:x", v, {store::BackupKey{"!r:x", "s1", "{}"}});
    EXPECT_EQ(s->backup_keys("@a:x", v, std::nullopt, std::nullopt).size(), 1u);
    EXPECT_EQ(s->backup_version("@a:x", std::nullopt)->etag, 1);
    EXPECT_EQ(s->put_filter("@a:x", "{}"), 0);
    EXPECT_EQ(s->put_filter("@a:x", "{}"), 1);
}

// Two connections bumping the stream position: the second waits on the row lock until the
// first commits, so positions are handed out in commit order and none is skipped.
TEST_F(PgDb, StreamPositionsAreHandedOutInCommitOrder) {
    { auto s = store::open_store(url); }
    store::postgres::PgConnection a(url), b(url);
    const std::string bump = "UPDATE stream_positions SET pos = pos + 1 WHERE id = 1 RETURNING pos";
    auto next = [&](store::sql::Connection& c) {
        auto st = c.prepare(bump);
        st.step();
        return st.int64(0);
    };
    std::int64_t pos_a = 0;
    std::atomic<std::int64_t> pos_b{0};
    std::thread other;
    {
        store::sql::Transaction ta(a);
        pos_a = next(a);
        other = std::thread([&] {
            store::sql::Transaction tb(b);
            pos_b = next(b);
            tb.commit();
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_EQ(pos_b.load(), 0) << "the second writer did not wait for the first";
        ta.commit();
    }
    other.join();
    EXPECT_EQ(pos_b.load(), pos_a + 1);

    { // a rolled-back position is handed out again: no gap
        store::sql::Transaction t(a);
        EXPECT_EQ(next(a), pos_a + 2);
    }
    EXPECT_EQ(next(b), pos_a + 2);
}

// Two processes building on the same head: the second append finds the head moved, stores
// nothing and leaves no gap in the stream.
TEST_F(PgDb, AppendRefusesAStaleHead) {
    auto one = store::open_store(url);
    auto two = store::open_store(url);
    one->create_room(store::RoomRecord{"!r:x", "11", "@a:x", true, 1});
    auto create = ev("$c", "m.room.create", "");
    create.expect_head = "";
    one->append_event(create, std::nullopt);
    auto first = ev("$m1", "m.room.message");
    first.expect_head = "$c";
    auto p1 = one->append_event(first, std::nullopt);
    auto stale = ev("$m2", "m.room.message");
    stale.expect_head = "$c"; // built before $m1 was seen
    EXPECT_THROW(two->append_event(stale, std::nullopt), store::HeadMoved);
    EXPECT_FALSE(two->get_event("$m2").has_value());
    EXPECT_EQ(two->max_stream_position(), p1);
    stale.expect_head = "$m1";
    EXPECT_EQ(two->append_event(stale, std::nullopt), p1 + 1);
    EXPECT_EQ(one->room_head("!r:x")->event_id, "$m2");
    auto between = one->events_between(0, p1 + 1, 10);
    ASSERT_EQ(between.size(), 3u);
    EXPECT_EQ(between[2].event_id, "$m2");
    EXPECT_EQ(one->events_between(0, p1 + 1, 2).size(), 2u);
}

TEST_F(PgDb, NotificationsReachEveryListener) {
    auto one = store::open_store(url);
    auto two = store::open_store(url);
    ASSERT_TRUE(one->shared());
    auto listener = two->listen_peers();
    ASSERT_TRUE(listener);
    one->notify_peers("hello");
    one->notify_peers("world");
    std::vector<std::string> got;
    for (int i = 0; i < 100 && got.size() < 2; ++i) {
        for (auto& p : listener->drain())
            got.push_back(p);
        if (got.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(got, (std::vector<std::string>{"hello", "world"}));
}

TEST_F(PgDb, MetaOnceKeepsTheFirstValue) {
    auto one = store::open_store(url);
    auto two = store::open_store(url);
    EXPECT_EQ(one->put_meta_once("k", "first"), "first");
    EXPECT_EQ(two->put_meta_once("k", "second"), "first");
    EXPECT_EQ(two->get_meta("k"), "first");
}
