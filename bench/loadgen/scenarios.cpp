#include "scenarios.hpp"

#include "async_util.hpp"
#include "delivery_tracker.hpp"
#include "metrics.hpp"
#include "results.hpp"
#include "run_context.hpp"
#include "senders.hpp"
#include "sync_client.hpp"
#include "world_setup.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>

namespace loadgen {

namespace json = boost::json;
using namespace std::chrono_literals;

Target make_target(asio::io_context& io, const Options& opts, const std::string& url) {
    auto u = boost::urls::parse_uri(url);
    if (!u) throw std::runtime_error("--url: not a URL: " + url);
    if (u->scheme() != "http") throw std::runtime_error("--url: only http:// is supported");
    Target t;
    t.url = url;
    std::string host(u->host_address());
    std::string port = u->has_port() ? std::string(u->port()) : "80";
    t.host_header = host + (u->has_port() ? ":" + port : "");
    t.base_path = std::string(u->encoded_path());
    while (!t.base_path.empty() && t.base_path.back() == '/')
        t.base_path.pop_back();
    tcp::resolver resolver(io);
    auto eps = resolver.resolve(host, port);
    if (eps.empty()) throw std::runtime_error("--url: cannot resolve " + host);
    t.server = *eps.begin();
    // Spreading over 127.0.0.2.. only makes sense (and only works) towards a loopback server.
    auto a = t.server.address();
    if (a.is_v4() && a.to_v4().is_loopback())
        for (std::uint32_t i = 0; i < opts.source_addrs; ++i)
            t.sources.push_back(asio::ip::make_address_v4(0x7f000002u + i));
    return t;
}

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

Clock::duration secs(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// The server's longest event-loop stall (ms) since the previous scrape of /_myelin/metrics, or
// a negative number when the server has no metrics (an older binary, or metrics disabled).
asio::awaitable<double> scrape_loop_lag_ms(const Target& target) {
    Traffic traffic;
    HttpConn conn(co_await asio::this_coro::executor, target, traffic, 0);
    auto r = co_await conn.exchange(format_request("GET", "/_myelin/metrics", target, ""));
    if (r.status != 200) co_return -1.0;
    constexpr std::string_view key = "\nmyelin_loop_lag_window_max_seconds ";
    auto at = r.body.find(key);
    if (at == std::string::npos) co_return -1.0;
    co_return std::stod(r.body.substr(at + key.size())) * 1000;
}

// The layout of the scenario and which users hold a sync connection (none in mode "none").
struct Plan {
    Layout layout;
    std::vector<std::uint32_t> receivers; // user indices; the client id is the position
};

Plan make_plan(const Options& o) {
    Plan p;
    if (o.scenario == "fanout") {
        p.layout = make_layout(o.users, 1, 1, false);
    } else if (o.scenario == "latency") {
        // User 0 only sends; user 1 only receives.
        p.layout = make_layout(2, 1, 1, false);
        if (o.mode != "none") p.receivers = {1};
        return p;
    } else {
        p.layout = make_layout(o.users, o.rooms, o.rooms_per_user, o.huge_room);
    }
    if (o.mode == "none") return p;
    for (std::uint32_t u = 0; u < p.layout.users; ++u)
        p.receivers.push_back(u);
    return p;
}

std::string sync_filter(const Options& o) {
    // A timeline limit well above what piles up between two syncs, so that a gap ("limited")
    // means something went wrong; lazy-loaded members keep initial syncs of big rooms small.
    json::object f{{"room", json::object{{"timeline", json::object{{"limit", o.timeline_limit}}},
                                         {"state", json::object{{"lazy_load_members", true}}}}}};
    if (o.no_presence) f["presence"] = json::object{{"not_types", json::array{"*"}}};
    return json::serialize(f);
}

} // namespace

asio::awaitable<int> run_scenario(const Options& opts, const Target& target,
                                  const Target& send_target, json::object& result) {
    auto ex = co_await asio::this_coro::executor;
    const auto label = "[" + opts.scenario + " " + opts.mode + "] ";
    Plan plan = make_plan(opts);

    Traffic setup_traffic;
    World world = co_await setup_world(opts, target, plan.layout, setup_traffic);
    std::cerr << label << "setup done in " << world.stats["seconds"].as_double() << " s\n";

    // Receiving clients per room, for the exactly-once check.
    std::vector<std::int64_t> client_of(plan.layout.users, -1);
    for (std::uint32_t c = 0; c < plan.receivers.size(); ++c)
        client_of[plan.receivers[c]] = c;
    std::vector<std::string> room_ids;
    std::vector<std::vector<std::uint32_t>> room_receivers;
    for (const auto& r : world.rooms) {
        room_ids.push_back(r.room_id);
        room_receivers.emplace_back();
        for (auto u : r.members)
            if (client_of[u] >= 0) room_receivers.back().push_back(client_of[u]);
    }
    DeliveryTracker tracker(room_ids, room_receivers,
                            static_cast<std::uint32_t>(plan.receivers.size()));
    RunContext ctx(ex, opts, target, tracker);
    ctx.filter_json = sync_filter(opts);
    SenderPool senders(ex, send_target, world, tracker, opts.run_id, opts.sender_conns);

    // Background: the watchdog for silent connections and the progress line.
    bool finished = false, progress_done = false;
    const char* phase = "connecting";
    auto t_phase = Clock::now();
    asio::steady_timer tick(ex);
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
            std::uint64_t last_delivered = 0;
            while (!finished) {
                tick.expires_after(1s);
                co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
                if (finished) break;
                HttpConn::sweep(Clock::now());
                if (opts.server_pid > 0 && !ctx.server_gone &&
                    !sample_process(opts.server_pid).ok) {
                    ctx.server_gone = true;
                    std::cerr << label << "the server (pid " << opts.server_pid << ") has exited\n";
                }
                std::uint64_t d = tracker.delivered();
                std::cerr << label << phase << " t=" << static_cast<int>(seconds_since(t_phase))
                          << "s ready " << ctx.ready << "/" << plan.receivers.size();
                if (opts.mode == "sse") std::cerr << " streams " << ctx.streaming;
                std::cerr << " sent " << senders.sent_ok << " deliveries " << d << "/"
                          << tracker.expected() << " (" << (d - last_delivered) << "/s)";
                if (ctx.errors) std::cerr << " errors " << ctx.errors;
                std::cerr << "\n";
                last_delivered = d;
            }
            progress_done = true;
        },
        asio::detached);

    // Connect every receiver, a bounded number doing its initial sync at once.
    auto server_before = sample_process(opts.server_pid);
    std::vector<std::unique_ptr<SyncClient>> clients;
    std::size_t running = 0;
    auto t_connect = Clock::now();
    auto connect_deadline = t_connect + secs(opts.connect_timeout);
    for (std::uint32_t c = 0; c < plan.receivers.size(); ++c) {
        while (c - ctx.ready >= opts.connect_concurrency && !ctx.server_gone &&
               Clock::now() < connect_deadline)
            co_await sleep_for(2ms);
        if (ctx.server_gone || Clock::now() >= connect_deadline) break;
        clients.push_back(std::make_unique<SyncClient>(ctx, c, world.users[plan.receivers[c]]));
        ++running;
        asio::co_spawn(
            ex,
            [&running, cl = clients.back().get()]() -> asio::awaitable<void> {
                co_await cl->run();
                --running;
            },
            asio::detached);
    }
    while (ctx.ready < plan.receivers.size() && Clock::now() < connect_deadline && !ctx.server_gone)
        co_await sleep_for(5ms);
    double connect_s = seconds_since(t_connect);
    bool all_ready = ctx.ready == plan.receivers.size();
    if (!all_ready)
        std::cerr << label << "only " << ctx.ready << " of " << plan.receivers.size()
                  << " clients got their first sync within " << opts.connect_timeout << " s\n";
    // Let the long-polls park again (and SSE streams go quiet) before measuring.
    co_await sleep_for(500ms);

    // The measured phase.
    co_await scrape_loop_lag_ms(target); // starts the server's window
    auto server_connected = sample_process(opts.server_pid);
    Traffic recv0 = ctx.traffic, send0 = senders.traffic;
    double self0 = self_cpu_seconds();
    auto t0 = Clock::now();
    phase = "measuring";
    t_phase = t0;
    ctx.measuring = true;
    senders.start();
    std::mt19937_64 rng(std::random_device{}());
    auto pick = [&rng](std::size_t n) {
        return static_cast<std::uint32_t>(
            std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
    };
    if (opts.scenario == "idle") {
        while (seconds_since(t0) < opts.duration && !ctx.server_gone)
            co_await sleep_for(50ms);
    } else if (opts.scenario == "fanout" || opts.scenario == "latency") {
        for (std::uint32_t m = 0; m < opts.messages && !ctx.server_gone; ++m) {
            if (m > 0) co_await sleep_for(secs(opts.interval_ms / 1000));
            const auto& members = world.rooms[0].members;
            senders.enqueue(0, opts.scenario == "latency" ? 0 : members[pick(members.size())]);
        }
    } else { // chat
        std::uint64_t queued = 0;
        for (;;) {
            double t = seconds_since(t0);
            if (t >= opts.duration || ctx.server_gone) break;
            auto due = static_cast<std::uint64_t>(opts.rate * t);
            for (; queued < due; ++queued) {
                auto room = pick(world.rooms.size());
                const auto& members = world.rooms[room].members;
                senders.enqueue(room, members[pick(members.size())]);
            }
            co_await sleep_for(5ms);
        }
    }
    senders.finish();
    double send_s = 0; // until the last send was acknowledged
    phase = "draining";
    auto drain_deadline = Clock::now() + secs(opts.drain);
    while (Clock::now() < drain_deadline && !ctx.server_gone &&
           (senders.finished() == false || tracker.in_flight() > 0 ||
            tracker.delivered() < tracker.expected())) {
        if (send_s == 0 && senders.finished()) send_s = seconds_since(t0);
        co_await sleep_for(2ms);
    }
    if (send_s == 0) send_s = seconds_since(t0);
    ctx.measuring = false;
    double window_s = seconds_since(t0);
    auto server_end = sample_process(opts.server_pid);
    double self_cpu = self_cpu_seconds() - self0;
    double loop_lag_ms = co_await scrape_loop_lag_ms(target);
    Traffic recv = ctx.traffic - recv0, sent = senders.traffic - send0;

    // Results.
    Measured m;
    m.server_before = server_before;
    m.server_connected = server_connected;
    m.server_end = server_end;
    m.receivers = recv;
    m.senders = sent;
    m.self_cpu_s = self_cpu;
    m.window_s = window_s;
    m.send_s = send_s;
    m.connect_s = connect_s;
    m.all_ready = all_ready;
    m.connections = plan.receivers.size();
    m.loop_lag_max_ms = loop_lag_ms;
    result = make_results(opts, world, m, tracker, ctx, senders);
    bool ok = result["ok"].as_bool();

    // Tear down: closing on purpose is not an error.
    phase = "stopping";
    ctx.stopping = true;
    for (auto& c : clients)
        c->stop();
    senders.close_all();
    auto stop_deadline = Clock::now() + 5s;
    while ((running > 0 || !senders.finished()) && Clock::now() < stop_deadline)
        co_await sleep_for(5ms);
    finished = true;
    tick.cancel();
    while (!progress_done)
        co_await sleep_for(1ms);
    if (running > 0 || !senders.finished()) {
        // Coroutines still hold references into this frame; main must not unwind them.
        std::cerr << label << running << " clients did not stop\n";
        result["teardown_incomplete"] = true;
    }
    co_return ok ? 0 : 2;
}

} // namespace loadgen
