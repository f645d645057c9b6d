#pragma once
// The real services of one process (app::Core, wired as the server wires them) over a real
// temporary SQLite database, for in-process tests of the domain services and sync sections: no
// mock of the store, no HTTP. Also a room builder and an in-memory SSE sink.
#include "app/core.hpp"
#include "store/store.hpp"
#include "sync/sse_session.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <string>
#include <unistd.h>
#include <vector>

namespace myelin::fixture {

struct Account {
    std::string user_id;
    std::string device_id;
    room::Actor actor() const { return {user_id, device_id}; }
};

class ServiceFixture {
public:
    // `database_threads`: DbPool threads (0: the store's work runs inline on the loop, as on
    // SQLite by default; more: the sync engine's own-row reads go to them).
    explicit ServiceFixture(std::int64_t database_threads = 0) {
        static std::atomic<int> n{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("myelin-fixture-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
        cfg.server_name = "test.local";
        cfg.password_hash_cost = account::HashCost::min;
        cfg.registration = RegistrationMode::open;
        cfg.login_rate_limit.enabled = false;
        cfg.register_rate_limit.enabled = false;
        cfg.database = "sqlite:" + (dir_ / "db").string();
        cfg.database_threads = database_threads;
        core = std::make_unique<app::Core>(cfg, io, store::open_store(cfg.database));
        core->start();
    }
    ~ServiceFixture() {
        core->stopping();
        io.poll();
        core->stopped();
        core.reset();
        std::filesystem::remove_all(dir_);
    }

    // Runs a coroutine on the fixture's loop until it finishes (work on the worker pool posts
    // back to the loop).
    template <typename T> T run(boost::asio::awaitable<T> a) {
        auto f = boost::asio::co_spawn(io, std::move(a), boost::asio::use_future);
        while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            if (io.stopped()) io.restart();
            io.run_one_for(std::chrono::milliseconds(10));
        }
        return f.get();
    }

    Account user(const std::string& localpart) {
        account::RegisterRequest r;
        r.username = localpart;
        r.password = "secret-" + localpart;
        auto login = run(core->accounts.register_user(r, std::nullopt));
        return {login.user_id, login.device_id};
    }

    // An initial (no since) or incremental sync, parsed.
    boost::json::object sync(const Account& a, std::optional<std::string> since = std::nullopt,
                             sync::SyncFilter filter = {}) {
        sync::SyncRequest req;
        req.user_id = a.user_id;
        req.device_id = a.device_id;
        req.filter = std::move(filter);
        if (since) {
            auto t = core->sync.parse_since(*since);
            req.since = t.pos;
            req.since_typing = t.typing;
            req.since_to_device = t.to_device;
        }
        return boost::json::parse(run(core->sync.compute(req)).body).as_object();
    }

    Config cfg;
    boost::asio::io_context io{1};
    std::unique_ptr<app::Core> core;

private:
    std::filesystem::path dir_;
};

// Builds a room: creator, name, members who join.
class RoomBuilder {
public:
    RoomBuilder(ServiceFixture& f, const Account& creator)
        : f_(f)
        , creator_(creator) {}
    RoomBuilder& name(std::string n) {
        body_["name"] = std::move(n);
        return *this;
    }
    RoomBuilder& preset(std::string p) {
        body_["preset"] = std::move(p);
        return *this;
    }
    RoomBuilder& member(const Account& a) {
        members_.push_back(a);
        return *this;
    }
    std::string build() {
        if (!body_.contains("preset")) body_["preset"] = "public_chat";
        auto id = f_.core->rooms.create_room(creator_.actor(), body_);
        for (const auto& m : members_)
            f_.core->rooms.join(m.actor(), id, std::nullopt);
        return id;
    }

private:
    ServiceFixture& f_;
    Account creator_;
    boost::json::object body_;
    std::vector<Account> members_;
};

// An SSE sink that keeps what was sent, and can be closed by the test.
class MemorySseSink : public sync::SseSink {
public:
    boost::asio::awaitable<bool> send(std::string_view text) override {
        if (closed_) co_return false;
        sent.emplace_back(text);
        co_return true;
    }
    bool closed() const override { return closed_; }
    void on_close(std::function<void()> cb) override { on_close_ = std::move(cb); }
    void close() {
        closed_ = true;
        if (on_close_) on_close_();
    }
    std::vector<std::string> sent;

private:
    bool closed_ = false;
    std::function<void()> on_close_;
};

} // namespace myelin::fixture
