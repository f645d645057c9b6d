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
    EXPECT_EQ(s->current_state("!r:x").size(), 1u);
    EXPECT_EQ(s->room_events("!r:x", p2, 'b', 10).size(), 2u);
    EXPECT_TRUE(s->relations("$1", std::nullopt, std::nullopt, 0, 'f', 10).empty());
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
