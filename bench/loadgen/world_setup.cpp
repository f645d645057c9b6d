#include "world_setup.hpp"

#include "api_call.hpp"
#include "async_util.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace loadgen {

namespace json = boost::json;
using Task = std::function<asio::awaitable<void>(std::size_t, HttpConn&)>;

Layout make_layout(std::uint32_t users, std::uint32_t rooms, std::uint32_t rooms_per_user,
                   bool huge_room) {
    Layout l;
    l.users = users;
    rooms = std::min(rooms, users); // every room needs a member to create it
    rooms_per_user = std::min(rooms_per_user, rooms);
    l.rooms.resize(rooms);
    for (std::uint32_t u = 0; u < users; ++u)
        for (std::uint32_t j = 0; j < rooms_per_user; ++j)
            l.rooms[(static_cast<std::uint64_t>(u) * rooms_per_user + j) % rooms].push_back(u);
    if (huge_room) {
        l.rooms.emplace_back();
        for (std::uint32_t u = 0; u < users; ++u)
            l.rooms.back().push_back(u);
    }
    l.key = "users=" + std::to_string(users) + " rooms=" + std::to_string(rooms) +
            " per_user=" + std::to_string(rooms_per_user) + " huge=" + (huge_room ? "1" : "0");
    return l;
}

namespace {

std::string str(const json::value& v, std::string_view key) {
    if (!v.is_object()) return {};
    const auto* s = v.get_object().if_contains(key);
    return s && s->is_string() ? std::string(s->get_string()) : std::string();
}

// Runs task(i, conn) for i in [0, count) on `workers` connections at once; rethrows the first
// failure after the others have stopped.
asio::awaitable<void> parallel_for(std::size_t count, std::size_t workers, const Target& target,
                                   Traffic& traffic, const std::string& what, Task task) {
    auto ex = co_await asio::this_coro::executor;
    struct Shared {
        std::size_t next = 0, done = 0, running = 0;
        std::string error;
    };
    auto sh = std::make_shared<Shared>();
    workers = std::max<std::size_t>(1, std::min(workers, count));
    for (std::size_t w = 0; w < workers; ++w) {
        ++sh->running;
        asio::co_spawn(
            ex,
            [&, sh, w]() -> asio::awaitable<void> {
                HttpConn conn(ex, target, traffic, w);
                while (sh->error.empty() && sh->next < count) {
                    std::size_t i = sh->next++;
                    try {
                        co_await task(i, conn);
                    } catch (const std::exception& e) {
                        if (sh->error.empty()) sh->error = e.what();
                    }
                    ++sh->done;
                }
                --sh->running;
            },
            asio::detached);
    }
    auto last = Clock::now();
    while (sh->running > 0) {
        co_await sleep_for(std::chrono::milliseconds(5));
        if (Clock::now() - last > std::chrono::seconds(1)) {
            last = Clock::now();
            std::cerr << "setup: " << what << " " << sh->done << "/" << count << "\n";
        }
    }
    if (!sh->error.empty()) throw std::runtime_error(sh->error);
}

asio::awaitable<Account> register_user(HttpConn& conn, const Target& t, const std::string& name,
                                       const std::string& password) {
    json::object body{
        {"username", name}, {"password", password}, {"initial_device_display_name", "myelin-load"}};
    const std::string path = "/_matrix/client/v3/register";
    auto r = co_await api_call(conn, "POST", path, "", json::serialize(body), t);
    // User-interactive auth: the first call names a session; the dummy stage completes it.
    if (r.status == 401 && r.body.is_object() && r.body.get_object().contains("session")) {
        body["auth"] = json::object{{"type", "m.login.dummy"}, {"session", str(r.body, "session")}};
        r = co_await api_call(conn, "POST", path, "", json::serialize(body), t);
    }
    if (r.status != 200) throw std::runtime_error("register " + name + ": " + describe(r));
    Account a{str(r.body, "user_id"), str(r.body, "access_token"), str(r.body, "device_id")};
    if (a.user_id.empty() || a.access_token.empty())
        throw std::runtime_error("register " + name + ": no user_id or access_token in reply");
    co_return a;
}

json::object state_json(const Options& opts, const World& w, const std::string& layout_key) {
    json::array users, rooms;
    for (const auto& a : w.users)
        users.push_back(json::object{
            {"user_id", a.user_id}, {"access_token", a.access_token}, {"device_id", a.device_id}});
    for (const auto& r : w.rooms) {
        json::array m;
        for (auto u : r.members)
            m.push_back(u);
        rooms.push_back(json::object{{"room_id", r.room_id}, {"members", std::move(m)}});
    }
    return {{"server", opts.url},
            {"users", std::move(users)},
            {"layout", layout_key},
            {"rooms", std::move(rooms)}};
}

// Loads --state if --reuse and it belongs to this server; `layout_key` gets the saved layout.
bool load_state(const Options& opts, World& w, std::string& layout_key) {
    std::ifstream in(opts.state);
    if (!in) return false;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) throw std::runtime_error("--state " + opts.state + " is not JSON");
    if (str(v, "server") != opts.url) {
        std::cerr << "setup: " << opts.state << " is for " << str(v, "server")
                  << ", not reusing it\n";
        return false;
    }
    const auto& o = v.get_object();
    if (const auto* us = o.if_contains("users"); us && us->is_array())
        for (const auto& u : us->get_array())
            w.users.push_back({str(u, "user_id"), str(u, "access_token"), str(u, "device_id")});
    layout_key = str(v, "layout");
    if (const auto* rs = o.if_contains("rooms"); rs && rs->is_array())
        for (const auto& r : rs->get_array()) {
            Room room{str(r, "room_id"), {}};
            if (const auto* m = r.get_object().if_contains("members"); m && m->is_array())
                for (const auto& x : m->get_array())
                    room.members.push_back(static_cast<std::uint32_t>(x.to_number<std::int64_t>()));
            w.rooms.push_back(std::move(room));
        }
    return true;
}

} // namespace

asio::awaitable<World> setup_world(const Options& opts, const Target& target, const Layout& layout,
                                   Traffic& traffic) {
    auto t0 = Clock::now();
    auto ex = co_await asio::this_coro::executor;
    World w;
    std::string saved_layout;
    bool reused = false;
    if (opts.reuse && !opts.state.empty() && load_state(opts, w, saved_layout)) {
        reused = true;
        // Saved tokens are useless if the server's database was replaced since.
        if (!w.users.empty()) {
            HttpConn conn(ex, target, traffic, 0);
            auto r = co_await api_call(conn, "GET", "/_matrix/client/v3/account/whoami",
                                       w.users[0].access_token, "", target);
            if (r.status != 200) {
                std::cerr << "setup: saved accounts rejected (" << describe(r)
                          << "), registering new ones\n";
                w = World{};
                reused = false;
            }
        }
    }
    std::size_t reused_users = std::min<std::size_t>(w.users.size(), layout.users);
    // Accounts this run does not need stay in the state file for later, bigger runs.
    std::vector<Account> spare(w.users.begin() + static_cast<std::ptrdiff_t>(reused_users),
                               w.users.end());
    w.users.resize(reused_users);
    bool rooms_reused = reused && saved_layout == layout.key && reused_users == layout.users &&
                        w.rooms.size() == layout.rooms.size();
    if (!rooms_reused) w.rooms.clear();

    // Users.
    std::size_t missing = layout.users - reused_users;
    w.users.resize(layout.users);
    co_await parallel_for(missing, opts.setup_conns, target, traffic, "registered",
                          [&](std::size_t i, HttpConn& conn) -> asio::awaitable<void> {
                              std::size_t idx = reused_users + i;
                              std::string name =
                                  opts.user_prefix + "_" + opts.run_id + "_" + std::to_string(idx);
                              w.users[idx] =
                                  co_await register_user(conn, target, name, opts.password);
                          });

    // Rooms, each created by its first member; then everyone else joins.
    std::size_t joins = 0;
    if (!rooms_reused) {
        w.rooms.resize(layout.rooms.size());
        co_await parallel_for(
            layout.rooms.size(), opts.setup_conns, target, traffic, "rooms created",
            [&](std::size_t r, HttpConn& conn) -> asio::awaitable<void> {
                const auto& creator = w.users[layout.rooms[r][0]];
                json::object body{{"preset", "public_chat"},
                                  {"name", "myelin-load " + opts.run_id + " " + std::to_string(r)}};
                auto res = co_await api_call(conn, "POST", "/_matrix/client/v3/createRoom",
                                             creator.access_token, json::serialize(body), target);
                if (res.status != 200) throw std::runtime_error(describe(res));
                w.rooms[r].room_id = str(res.body, "room_id");
                w.rooms[r].members = layout.rooms[r];
            });
        std::vector<std::pair<std::uint32_t, std::uint32_t>> todo; // (room, user)
        for (std::uint32_t r = 0; r < layout.rooms.size(); ++r)
            for (std::size_t k = 1; k < layout.rooms[r].size(); ++k)
                todo.emplace_back(r, layout.rooms[r][k]);
        joins = todo.size();
        co_await parallel_for(todo.size(), opts.setup_conns, target, traffic, "joined",
                              [&](std::size_t i, HttpConn& conn) -> asio::awaitable<void> {
                                  const auto& room = w.rooms[todo[i].first];
                                  auto res = co_await api_call(
                                      conn, "POST",
                                      "/_matrix/client/v3/join/" + url_encode(room.room_id),
                                      w.users[todo[i].second].access_token, "{}", target);
                                  if (res.status != 200) throw std::runtime_error(describe(res));
                              });
    }

    if (!opts.state.empty()) {
        World saved = w;
        saved.users.insert(saved.users.end(), spare.begin(), spare.end());
        std::ofstream out(opts.state, std::ios::trunc);
        out << json::serialize(state_json(opts, saved, layout.key)) << "\n";
        if (!out) throw std::runtime_error("cannot write --state " + opts.state);
    }
    w.stats = {{"users_reused", reused_users},
               {"users_registered", missing},
               {"rooms_reused", rooms_reused},
               {"rooms_created", rooms_reused ? 0 : w.rooms.size()},
               {"joins", joins},
               {"seconds", std::chrono::duration<double>(Clock::now() - t0).count()}};
    co_return w;
}

} // namespace loadgen
