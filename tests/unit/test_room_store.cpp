// The store contract: what every driver must answer alike (stream positions, state history,
// pages, transactions, push counts, range reads), run on SQLite and, when MYELIN_TEST_PG names
// a cluster, on PostgreSQL.
#include "store/store.hpp"
#include "store_backend.hpp"
#include <algorithm>
#include <gtest/gtest.h>

using namespace myelin;

namespace {
class StoreContract : public ::testing::TestWithParam<fixture::Driver> {
protected:
    void SetUp() override {
        if (!backend.open(GetParam())) GTEST_SKIP() << "MYELIN_TEST_PG not set";
        db.s = &backend.store();
        db.s->create_room(store::RoomRecord{"!r:x", "11", "@a:x", false, 1});
    }
    fixture::StoreBackend backend;
    struct {
        store::Store* s = nullptr;
    } db;
};

store::NewEvent ev(const std::string& id, const std::string& type,
                   std::optional<std::string> key = std::nullopt,
                   std::optional<std::string> membership = std::nullopt) {
    store::NewEvent e;
    e.event_id = id;
    e.room_id = "!r:x";
    e.type = type;
    e.state_key = std::move(key);
    e.sender = "@a:x";
    e.json = "{\"content\":{}}";
    e.membership = std::move(membership);
    return e;
}

// Messages $0 … $(n-1), appended in order; their positions.
std::vector<std::int64_t> append_messages(store::Store& s, int n) {
    std::vector<std::int64_t> pos;
    for (int i = 0; i < n; ++i)
        pos.push_back(s.append_event(ev("$" + std::to_string(i), "m.room.message"), std::nullopt));
    return pos;
}
} // namespace

TEST_P(StoreContract, StreamPositionsIncreaseAndAreShared) {
    auto p1 = db.s->append_event(ev("$1", "m.room.create", ""), std::nullopt);
    auto p2 = db.s->put_account_data("@a:x", "", "t", "{}");
    auto p3 = db.s->append_event(ev("$2", "m.room.message"), std::nullopt);
    EXPECT_LT(p1, p2);
    EXPECT_LT(p2, p3);
    EXPECT_EQ(db.s->max_stream_position(), p3);
    EXPECT_EQ(db.s->room_head("!r:x")->event_id, "$2");
}

TEST_P(StoreContract, StateHistoryAnswersStateAtAnyPosition) {
    db.s->append_event(ev("$c", "m.room.create", ""), std::nullopt);
    auto join = db.s->append_event(ev("$j", "m.room.member", "@a:x", "join"), std::nullopt);
    auto n1 = db.s->append_event(ev("$n1", "m.room.name", ""), std::nullopt);
    auto n2 = db.s->append_event(ev("$n2", "m.room.name", ""), std::nullopt);
    EXPECT_EQ(db.s->state_event_at("!r:x", "m.room.name", "", n1)->event_id, "$n1");
    EXPECT_EQ(db.s->state_event_at("!r:x", "m.room.name", "", n2)->event_id, "$n2");
    EXPECT_FALSE(db.s->state_event_at("!r:x", "m.room.name", "", join).has_value());
    EXPECT_EQ(db.s->state_at("!r:x", n1).size(), 3u);
    EXPECT_EQ(db.s->current_state("!r:x").size(), 3u);
    EXPECT_EQ(db.s->membership("!r:x", "@a:x"), "join");
    EXPECT_TRUE(db.s->joined_after("!r:x", "@a:x", join - 1));
    EXPECT_FALSE(db.s->joined_after("!r:x", "@a:x", join));
}

TEST_P(StoreContract, PagesRunBothWaysFromAPosition) {
    auto pos = append_messages(*db.s, 5);
    auto back = db.s->room_events("!r:x", pos[3], 'b', 2);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].event_id, "$3");
    EXPECT_EQ(back[1].event_id, "$2");
    auto fwd = db.s->room_events("!r:x", pos[3], 'f', 10);
    ASSERT_EQ(fwd.size(), 1u);
    EXPECT_EQ(fwd[0].event_id, "$4");
    // (pos[1], pos[3]]: $3 and $2, newest first; the limit cuts from the oldest end.
    auto between = db.s->room_events_between("!r:x", pos[1], pos[3], 10);
    ASSERT_EQ(between.size(), 2u);
    EXPECT_EQ(between[0].event_id, "$3");
    EXPECT_EQ(between[1].event_id, "$2");
    auto newest = db.s->room_events_between("!r:x", pos[0], pos[4], 1);
    ASSERT_EQ(newest.size(), 1u);
    EXPECT_EQ(newest[0].event_id, "$4");
    EXPECT_TRUE(db.s->room_events_between("!r:x", pos[4], pos[4], 10).empty());
}

TEST_P(StoreContract, TransactionIdsAndRedactionsAreRecorded) {
    store::TxnKey txn{"@a:x", "DEV", "t1"};
    db.s->append_event(ev("$m", "m.room.message"), txn);
    EXPECT_EQ(db.s->find_txn(txn), "$m");
    EXPECT_FALSE(db.s->find_txn(store::TxnKey{"@a:x", "OTHER", "t1"}).has_value());
    // The same transaction id again: refused with the first event, and nothing appended.
    auto before = db.s->max_stream_position();
    try {
        db.s->append_event(ev("$m2", "m.room.message"), txn);
        ADD_FAILURE() << "a used transaction id was accepted";
    } catch (const store::TxnExists& e) {
        EXPECT_EQ(e.event_id, "$m");
    }
    EXPECT_EQ(db.s->max_stream_position(), before);
    EXPECT_FALSE(db.s->get_event("$m2").has_value());
    EXPECT_EQ(db.s->room_head("!r:x")->event_id, "$m");
    auto red = ev("$r", "m.room.redaction");
    red.redacts = "$m";
    db.s->append_event(red, std::nullopt);
    EXPECT_EQ(db.s->get_event("$m")->redacted_by, "$r");
    // A duplicate event id fails and leaves nothing half-written.
    EXPECT_ANY_THROW(db.s->append_event(ev("$m", "m.room.message"), std::nullopt));
    EXPECT_EQ(db.s->room_head("!r:x")->event_id, "$r");
}

namespace {
store::PushAction action(std::int64_t pos, std::string thread = "main", bool highlight = false) {
    return store::PushAction{"@b:x", "!r:x", pos, std::move(thread), highlight};
}
void read_to(store::Store& s, const std::string& event_id, const std::string& thread = "") {
    s.put_receipt(store::ReceiptRecord{"!r:x", "@b:x", "m.read", thread, event_id, 1, 0});
}
std::string counts(store::Store& s) {
    std::string out;
    for (const auto& [thread, n] : s.unread_counts("@b:x", "!r:x"))
        out += thread + "=" + std::to_string(n.notifications) + "/" + std::to_string(n.highlights) +
               " ";
    return out;
}
} // namespace

TEST_P(StoreContract, PushCountsFollowReceiptsThreadsAndRepeats) {
    auto pos = append_messages(*db.s, 6);
    db.s->put_push_actions({action(pos[0]), action(pos[1], "main", true), action(pos[2])});
    // Two flushes, the second repeating an action (recovery evaluates again): counted once.
    db.s->put_push_actions({action(pos[2]), action(pos[3]), action(pos[4], "$root")});
    EXPECT_EQ(counts(*db.s), "$root=1/0 main=4/1 ");
    read_to(*db.s, "$1"); // unthreaded: covers every thread
    EXPECT_EQ(counts(*db.s), "$root=1/0 main=2/0 ");
    read_to(*db.s, "$2", "main"); // a thread's own receipt further along narrows that thread
    EXPECT_EQ(counts(*db.s), "$root=1/0 main=1/0 ");
    read_to(*db.s, "$4"); // past the thread's message too
    EXPECT_EQ(counts(*db.s), "");
    db.s->put_push_actions({action(pos[5], "main", true)});
    EXPECT_EQ(counts(*db.s), "main=1/1 ");
    read_to(*db.s, "$0"); // a receipt that moves back: the main thread's receipt still holds
    EXPECT_EQ(counts(*db.s), "$root=1/0 main=2/1 ");
}

// Push actions go in multi-row statements of 256, 16 and 1 rows: a batch of any size lands
// whole, each member counted once, a repeated batch (recovery) adding nothing.
TEST_P(StoreContract, PushActionsOfAManyMemberBatchAreEachCountedOnce) {
    auto pos = append_messages(*db.s, 2);
    std::vector<store::PushAction> batch;
    const int members = 256 + 2 * 16 + 5; // every chunk size
    for (int i = 0; i < members; ++i)
        for (auto p : pos)
            batch.push_back(store::PushAction{"@u" + std::to_string(i) + ":x", "!r:x", p, "main",
                                              i % 7 == 0 && p == pos[1]});
    db.s->put_push_actions(batch);
    db.s->put_push_actions(batch); // again: nothing new
    for (int i : {0, 1, 255, 256, 271, 272, members - 1}) {
        auto c = db.s->unread_counts("@u" + std::to_string(i) + ":x", "!r:x");
        ASSERT_EQ(c.count("main"), 1u) << i;
        EXPECT_EQ(c["main"].notifications, 2) << i;
        EXPECT_EQ(c["main"].highlights, i % 7 == 0 ? 1 : 0) << i;
    }
    EXPECT_TRUE(db.s->unread_counts("@u" + std::to_string(members) + ":x", "!r:x").empty());
}

// The range reads every woken sync makes (receipts, member changes, device-list changes) skip
// the database when this process wrote nothing of the kind after the range's start: each write
// must move that mark, and a reopened database must not trust ranges from before it opened.
TEST_P(StoreContract, RangeReadsFindEveryWriteAndSkipOnlyWhereNothingWasWritten) {
    auto& s = *db.s;
    auto start = s.append_event(ev("$c", "m.room.create", ""), std::nullopt);
    EXPECT_TRUE(s.receipts_between(start, s.max_stream_position()).empty());

    auto receipt = s.put_receipt(store::ReceiptRecord{"!r:x", "@a:x", "m.read", "", "$c", 1, 0});
    auto join = s.append_event(ev("$j", "m.room.member", "@b:x", "join"), std::nullopt);
    ASSERT_TRUE(s.put_device_keys("@b:x", "DEV", R"({"device_id":"DEV"})"));
    auto keys = s.max_stream_position();
    ASSERT_GT(keys, join);

    EXPECT_EQ(s.receipts_between(receipt - 1, keys).size(), 1u);
    EXPECT_TRUE(s.receipts_between(receipt, keys).empty());
    ASSERT_EQ(s.member_changes(join - 1, keys).size(), 1u);
    EXPECT_EQ(s.member_changes(join - 1, keys)[0].user_id, "@b:x");
    EXPECT_TRUE(s.member_changes(join, keys).empty());
    EXPECT_EQ(s.device_list_changes(join, keys), std::vector<std::string>{"@b:x"});
    EXPECT_TRUE(s.device_list_changes(keys, keys).empty());

    // A receipt moved to a later event is found again after its new position.
    auto moved = s.put_receipt(store::ReceiptRecord{"!r:x", "@a:x", "m.read", "", "$j", 2, 0});
    EXPECT_EQ(s.receipts_between(keys, moved).size(), 1u);

    // Reopened: the rows written before are still found.
    db.s = &backend.reopen();
    EXPECT_EQ(db.s->receipts_between(keys, moved).size(), 1u);
    EXPECT_EQ(db.s->member_changes(join - 1, moved).size(), 1u);
    EXPECT_EQ(db.s->device_list_changes(join, moved), std::vector<std::string>{"@b:x"});
}

TEST_P(StoreContract, ServerKeysAndUrlPreviewsAreReplacedByKey) {
    store::RemoteServerKey k{"hs2.test", "ed25519:a", "AAAA", 100, std::nullopt, "{\"v\":1}", 10};
    db.s->put_server_key(k);
    k.valid_until_ts = 200;
    k.key_json = "{\"v\":2}";
    db.s->put_server_key(k); // fetched again: replaces
    db.s->put_server_key({"hs2.test", "ed25519:old", "BBBB", 50, 50, "{\"v\":0}", 5});
    db.s->put_server_key({"hs3.test", "ed25519:a", "CCCC", 9, std::nullopt, "{}", 1});
    auto keys = db.s->server_keys("hs2.test");
    ASSERT_EQ(keys.size(), 2u);
    std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.key_id < b.key_id; });
    EXPECT_EQ(keys[0].valid_until_ts, 200);
    EXPECT_EQ(keys[0].key_json, "{\"v\":2}");
    EXPECT_FALSE(keys[0].expired_ts);
    EXPECT_EQ(keys[1].expired_ts, 50);
    EXPECT_TRUE(db.s->server_keys("nobody.test").empty());

    db.s->put_url_preview({"https://a.example/", 1000, "{\"og:title\":\"a\"}"});
    db.s->put_url_preview({"https://a.example/", 2000, "{\"og:title\":\"b\"}"});
    db.s->put_url_preview({"https://b.example/", 500, "{}"});
    auto p = db.s->get_url_preview("https://a.example/");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->fetched_ts, 2000);
    EXPECT_EQ(p->og_json, "{\"og:title\":\"b\"}");
    EXPECT_EQ(db.s->delete_url_previews_before(1000), 1);
    EXPECT_FALSE(db.s->get_url_preview("https://b.example/"));
    EXPECT_TRUE(db.s->get_url_preview("https://a.example/"));
}

INSTANTIATE_TEST_SUITE_P(Drivers, StoreContract,
                         ::testing::Values(fixture::Driver::sqlite, fixture::Driver::postgres),
                         fixture::driver_name);
