// The pieces the security hardening rests on: linear-time globs that agree with a plain
// dynamic-programming reference, strict UTF-8, a byte-bounded event cache, the failed-password
// limiter.
#include "account/account_data.hpp"
#include "account/rate_limiter.hpp"
#include "e2ee/key_service.hpp"
#include "event/room_version.hpp"
#include "event/signing_key.hpp"
#include "push/evaluator.hpp"
#include "room/event_filter.hpp"
#include "room/room_reader.hpp"
#include "store/store.hpp"
#include "sync/event_cache.hpp"
#include "sync/filter_service.hpp"
#include "util/matrix_error.hpp"
#include "util/utf8.hpp"
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>
#include <unistd.h>

using namespace myelin;
namespace json = boost::json;

namespace {
// Whole-text glob by dynamic programming: '*' any run, '?' (when `any_one`) one character.
bool reference_glob(const std::string& p, const std::string& t, bool any_one) {
    std::vector<std::vector<char>> m(p.size() + 1, std::vector<char>(t.size() + 1, 0));
    m[0][0] = 1;
    for (std::size_t i = 1; i <= p.size(); ++i)
        for (std::size_t j = 0; j <= t.size(); ++j) {
            if (p[i - 1] == '*')
                m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
            else if (j > 0)
                m[i][j] = m[i - 1][j - 1] && (p[i - 1] == t[j - 1] || (any_one && p[i - 1] == '?'));
        }
    return m[p.size()][t.size()];
}

std::string random_text(std::mt19937& rng, const std::string& alphabet, std::size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (auto& c : s)
        c = alphabet[rng() % alphabet.size()];
    return s;
}
} // namespace

TEST(SecurityLimits, FilterTypeGlobAgreesWithTheReference) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        auto p = random_text(rng, "ab*", 12);
        auto t = random_text(rng, "ab", 12);
        ASSERT_EQ(room::type_matches(p, t), reference_glob(p, t, false)) << p << " / " << t;
    }
}

TEST(SecurityLimits, FilterTypeGlobOfManyStarsIsFast) {
    auto start = std::chrono::steady_clock::now();
    std::string pattern = std::string(200, '*') + "x";
    std::string type(255, 'm');
    for (int i = 0; i < 1000; ++i)
        ASSERT_FALSE(room::type_matches(pattern, type));
    EXPECT_TRUE(room::type_matches(std::string(200, '*') + "m", type));
    // The recursive matcher never finished the first call; a linear one does all in well under 1 s.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(SecurityLimits, PushGlobAgreesWithTheReferenceBeyondOneWordOfStates) {
    // Whole-value matching (a key other than content.body); patterns long enough that the
    // evaluator's state bitset spans several 64-bit words.
    std::mt19937 rng(11);
    push::PushContext ctx;
    ctx.user_id = "@me:x";
    ctx.member_count = 3;
    for (int i = 0; i < 3000; ++i) {
        auto p = random_text(rng, "ab*?", i % 3 == 0 ? 150 : 12);
        auto t = random_text(rng, "ab", i % 3 == 0 ? 160 : 12);
        json::object rule{
            {"rule_id", "r"},
            {"default", false},
            {"enabled", true},
            {"conditions",
             json::array{{{"kind", "event_match"}, {"key", "content.msgtype"}, {"pattern", p}}}},
            {"actions", json::array{"notify"}}};
        json::object rules{{"override", json::array{rule}}};
        json::object event{{"type", "m.room.message"},
                           {"sender", "@you:x"},
                           {"content", {{"msgtype", t}, {"body", "x"}}}};
        bool hit = push::evaluate(rules, event, ctx).rule_id == std::optional<std::string>("r");
        ASSERT_EQ(hit, reference_glob(p, t, true)) << p << " / " << t;
    }
}

TEST(SecurityLimits, Utf8ValidationIsStrict) {
    EXPECT_TRUE(util::valid_utf8(""));
    EXPECT_TRUE(util::valid_utf8("plain ascii"));
    EXPECT_TRUE(util::valid_utf8("\xC3\xBC\xE2\x9C\x93\xF0\x9F\x98\x80")); // ü ✓ 😀
    EXPECT_FALSE(util::valid_utf8("\xFF"));
    EXPECT_FALSE(util::valid_utf8("\xC3"));             // truncated
    EXPECT_FALSE(util::valid_utf8("\xC0\xAF"));         // overlong '/'
    EXPECT_FALSE(util::valid_utf8("\xE0\x80\xAF"));     // overlong, three bytes
    EXPECT_FALSE(util::valid_utf8("\xED\xA0\x80"));     // a UTF-16 surrogate
    EXPECT_FALSE(util::valid_utf8("\xF4\x90\x80\x80")); // beyond U+10FFFF
    EXPECT_FALSE(util::valid_utf8("\x80"));             // a lone continuation byte
    EXPECT_TRUE(util::valid_path_text("m.room.message"));
    EXPECT_FALSE(util::valid_path_text(std::string("a\0b", 3)));
    EXPECT_FALSE(util::valid_path_text("tab\there"));
    EXPECT_FALSE(util::valid_path_text("\x7F"));
}

TEST(SecurityLimits, FailedPasswordLimiterCountsOnlyWhatIsTaken) {
    account::RateLimiter l(account::RateLimit{true, 0.0001, 2});
    for (int i = 0; i < 10; ++i)
        l.require("@a:x"); // asking takes nothing
    l.take("@a:x");
    l.take("@a:x");
    EXPECT_THROW(l.require("@a:x"), MatrixError);
    l.require("@b:x"); // per key
    try {
        l.require("@a:x");
    } catch (const MatrixError& e) {
        EXPECT_EQ(e.status(), 429);
        EXPECT_EQ(e.errcode(), "M_LIMIT_EXCEEDED");
        EXPECT_GT(e.extra.at("retry_after_ms").as_int64(), 0);
    }
}

namespace {
struct TempDir {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("myelin-sec-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(dir); }
    ~TempDir() { std::filesystem::remove_all(dir); }
};
} // namespace

TEST(SecurityLimits, EventCacheIsBoundedByBytes) {
    TempDir t;
    auto store = store::open_store("sqlite:" + (t.dir / "db").string());
    feed::ChangeFeed feed;
    room::RoomService rooms("x", *store, event::SigningKey::generate(), feed);
    room::RoomReader reader(rooms, *store, *store);
    sync::EventCache cache(reader, 50000, 1 << 20); // 1 MiB
    const auto& v = *event::room_version("11");
    std::string body(60000, 'a');
    for (int i = 0; i < 100; ++i) {
        store::StoredEvent row;
        row.stream_ordering = i + 1;
        row.event_id = "$e" + std::to_string(i);
        row.room_id = "!r:x";
        row.type = "m.room.message";
        row.sender = "@a:x";
        row.json = json::serialize(json::object{{"type", row.type},
                                                {"room_id", row.room_id},
                                                {"sender", row.sender},
                                                {"event_id", row.event_id},
                                                {"origin_server_ts", 1},
                                                {"content", {{"body", body}}}});
        auto e = cache.get(row, v);
        ASSERT_NE(e, nullptr);
        EXPECT_NE(e->head.find(body), std::string::npos);
        EXPECT_LE(cache.bytes(), std::size_t{1} << 20);
    }
    EXPECT_LT(cache.size(), 20u); // 100 events of 60 KB do not fit in 1 MiB
    EXPECT_GT(cache.size(), 10u); // but as many as do are kept
}

TEST(SecurityLimits, AccountDataEntriesPerUserAreBounded) {
    TempDir t;
    auto store = store::open_store("sqlite:" + (t.dir / "quota").string());
    {
        auto batch = store->begin_batch();
        for (int i = 0; i < 10000; ++i)
            store->put_account_data("@a:x", "", "t" + std::to_string(i), "{}");
        batch->commit();
    }
    feed::ChangeFeed feed;
    account::AccountDataService data(*store, feed);
    try {
        data.put("@a:x", "", "one.more", json::object{});
        FAIL() << "a new entry past the bound was stored";
    } catch (const MatrixError& e) {
        EXPECT_EQ(e.errcode(), "M_RESOURCE_LIMIT_EXCEEDED");
    }
    data.put("@a:x", "", "t5", json::object{{"changed", true}}); // existing ones still change
    EXPECT_EQ(data.get("@a:x", "", "t5")->at("changed").as_bool(), true);
    data.put("@b:x", "", "one.more", json::object{}); // per user
}

TEST(SecurityLimits, OneTimeKeysPerDeviceAreBounded) {
    TempDir t;
    auto store = store::open_store("sqlite:" + (t.dir / "otk").string());
    feed::ChangeFeed feed;
    room::RoomService rooms("x", *store, event::SigningKey::generate(), feed);
    e2ee::KeyService keys("x", rooms, *store, *store, feed);
    auto batch_of = [](int from, int n) {
        json::object otks;
        for (int i = from; i < from + n; ++i)
            otks["curve25519:K" + std::to_string(i)] = "key" + std::to_string(i);
        return json::object{{"one_time_keys", std::move(otks)}};
    };
    keys.upload("@a:x", "D", batch_of(0, 5000));
    keys.upload("@a:x", "D", batch_of(5000, 5000));
    try {
        keys.upload("@a:x", "D", batch_of(10000, 1));
        FAIL() << "a key past the bound was stored";
    } catch (const MatrixError& e) {
        EXPECT_EQ(e.errcode(), "M_RESOURCE_LIMIT_EXCEEDED");
    }
    EXPECT_EQ(store->count_one_time_keys("@a:x", "D").at("curve25519"), 10000);
    keys.upload("@a:x", "E", batch_of(0, 1)); // per device
}

TEST(SecurityLimits, FiltersPerUserAreBoundedAndIdenticalOnesShareAnId) {
    TempDir t;
    auto store = store::open_store("sqlite:" + (t.dir / "filters").string());
    sync::FilterService filters(*store);
    auto first = filters.save("@a:x", json::object{{"room", {{"timeline", {{"limit", 1}}}}}});
    // A client that uploads the same filter at every start does not grow the table.
    EXPECT_EQ(filters.save("@a:x", json::object{{"room", {{"timeline", {{"limit", 1}}}}}}), first);
    EXPECT_EQ(store->count_filters("@a:x"), 1);
    {
        auto batch = store->begin_batch();
        for (int i = 1; i < sync::FilterService::kMaxFiltersPerUser; ++i)
            store->put_filter("@a:x", "{\"event_fields\":[\"f" + std::to_string(i) + "\"]}");
        batch->commit();
    }
    try {
        filters.save("@a:x", json::object{{"event_format", "federation"}});
        FAIL() << "a filter past the bound was stored";
    } catch (const MatrixError& e) {
        EXPECT_EQ(e.errcode(), "M_RESOURCE_LIMIT_EXCEEDED");
    }
    EXPECT_EQ(store->count_filters("@a:x"), sync::FilterService::kMaxFiltersPerUser);
    // Stored ones still resolve, an identical upload still gets its id, and the bound is per user.
    EXPECT_EQ(filters.save("@a:x", json::object{{"room", {{"timeline", {{"limit", 1}}}}}}), first);
    EXPECT_EQ(filters.resolve("@a:x", first).timeline_limit(), 1);
    EXPECT_NO_THROW(filters.save("@b:x", json::object{{"event_format", "federation"}}));
}
