#include "options.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <stdexcept>

namespace loadgen {

const char* usage() {
    return R"(myelin-load: Matrix sync load generator (long-poll /sync against /sync/sse)

Usage: myelin-load --scenario idle|fanout|chat|latency --mode sse|longpoll|none [options]

  --mode none sends the same messages with no sync connection open: what storing them costs
  the server, the part of every delivery's CPU that does not depend on the mode.

  --url URL                 homeserver base URL (http only)       [http://127.0.0.1:8008]
  --send-url URL            send messages through this URL instead (another process
                            of the same homeserver)                            [--url]
  --users N                 users, each holding one sync connection            [100]
  --rooms R                 rooms (chat, idle)                                  [10]
  --rooms-per-user K        rooms each user joins, spread uniformly             [1]
  --huge-room               also one room that every user is in
  --rate MSGS_PER_S         chat: total messages per second                     [50]
  --duration S              chat: seconds of sending; idle: seconds held        [10]
  --messages M              fanout [1] / latency [100]: messages to send
  --interval-ms MS          fanout [500] / latency [100]: spacing of messages
  --drain S                 at most this long to wait for late deliveries       [15]
  --heartbeat-interval S    SSE heartbeat_interval (0: server default)          [5]
  --longpoll-timeout-ms MS  /sync timeout                                       [30000]
  --timeline-limit L        timeline limit in the sync filter                   [100]
  --no-presence             filter presence out of syncs (it is otherwise part of the load)
  --gzip                    ask for gzip (Accept-Encoding) on /sync and /sync/sse
  --server-pid PID          sample the server's CPU and memory from /proc
  --out FILE                write the results as JSON
  --state FILE              where accounts and rooms are saved
  --reuse                   reuse the accounts (and rooms, if the layout matches) in --state
  --source-addrs K          spread connections over 127.0.0.2..(K+1) (loopback only)  [8]
  --sender-conns N          keep-alive connections for sending                  [4]
  --setup-conns N           connections for registering and joining             [16]
  --connect-concurrency N   clients doing their first sync at once              [64]
  --connect-timeout S       give up waiting for first syncs after S seconds     [120]
  --run-id ID               tag in message bodies (default: random)
  --user-prefix P           localpart prefix of registered users                [load]

Results go to stdout (and --out); progress to stderr once a second. Exit status: 0 when every
delivery arrived exactly once and nothing failed, 2 when not, 1 on a setup error.
)";
}

namespace {
template <class T> T number(const std::string& name, const std::string& v) {
    T x{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || p != v.data() + v.size())
        throw std::invalid_argument(name + ": not a number: " + v);
    return x;
}
} // namespace

Options parse_options(int argc, char** argv) {
    Options o;
    using Setter = std::function<void(const std::string&)>;
    auto u32 = [](std::uint32_t& f, const char* n) {
        return Setter([&f, n](const std::string& v) { f = number<std::uint32_t>(n, v); });
    };
    auto i32 = [](int& f, const char* n) {
        return Setter([&f, n](const std::string& v) { f = number<int>(n, v); });
    };
    auto dbl = [](double& f, const char* n) {
        return Setter([&f, n](const std::string& v) { f = number<double>(n, v); });
    };
    auto str = [](std::string& f) { return Setter([&f](const std::string& v) { f = v; }); };
    std::map<std::string, Setter> with_value{
        {"--url", str(o.url)},
        {"--send-url", str(o.send_url)},
        {"--scenario", str(o.scenario)},
        {"--mode", str(o.mode)},
        {"--users", u32(o.users, "--users")},
        {"--rooms", u32(o.rooms, "--rooms")},
        {"--rooms-per-user", u32(o.rooms_per_user, "--rooms-per-user")},
        {"--rate", dbl(o.rate, "--rate")},
        {"--duration", dbl(o.duration, "--duration")},
        {"--messages", u32(o.messages, "--messages")},
        {"--interval-ms", dbl(o.interval_ms, "--interval-ms")},
        {"--drain", dbl(o.drain, "--drain")},
        {"--heartbeat-interval", i32(o.heartbeat_interval, "--heartbeat-interval")},
        {"--longpoll-timeout-ms", i32(o.longpoll_timeout_ms, "--longpoll-timeout-ms")},
        {"--timeline-limit", i32(o.timeline_limit, "--timeline-limit")},
        {"--server-pid", i32(o.server_pid, "--server-pid")},
        {"--out", str(o.out)},
        {"--state", str(o.state)},
        {"--source-addrs", u32(o.source_addrs, "--source-addrs")},
        {"--sender-conns", u32(o.sender_conns, "--sender-conns")},
        {"--setup-conns", u32(o.setup_conns, "--setup-conns")},
        {"--connect-concurrency", u32(o.connect_concurrency, "--connect-concurrency")},
        {"--connect-timeout", dbl(o.connect_timeout, "--connect-timeout")},
        {"--run-id", str(o.run_id)},
        {"--user-prefix", str(o.user_prefix)},
    };
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        std::string value;
        bool has_value = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = a.substr(eq + 1);
            a = a.substr(0, eq);
            has_value = true;
        }
        if (a == "--huge-room") {
            o.huge_room = true;
        } else if (a == "--no-presence") {
            o.no_presence = true;
        } else if (a == "--gzip") {
            o.gzip = true;
        } else if (a == "--reuse") {
            o.reuse = true;
        } else if (a == "-h" || a == "--help") {
            throw std::invalid_argument("");
        } else if (auto it = with_value.find(a); it != with_value.end()) {
            if (!has_value) {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                value = argv[++i];
            }
            it->second(value);
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    if (o.scenario != "idle" && o.scenario != "fanout" && o.scenario != "chat" &&
        o.scenario != "latency")
        throw std::invalid_argument("--scenario must be idle, fanout, chat or latency");
    if (o.mode != "sse" && o.mode != "longpoll" && o.mode != "none")
        throw std::invalid_argument("--mode must be sse, longpoll or none");
    if (o.mode == "none" && o.scenario == "idle")
        throw std::invalid_argument("--mode none needs a scenario that sends messages");
    if (o.users == 0) throw std::invalid_argument("--users must be at least 1");
    if (o.rooms == 0) o.rooms = 1;
    if (o.rooms_per_user == 0) o.rooms_per_user = 1;
    if (o.rooms_per_user > o.rooms) o.rooms_per_user = o.rooms;
    if (o.sender_conns == 0) o.sender_conns = 1;
    if (o.setup_conns == 0) o.setup_conns = 1;
    if (o.connect_concurrency == 0) o.connect_concurrency = 1;
    if (o.scenario == "fanout") {
        if (o.messages == 0) o.messages = 1;
        if (o.interval_ms <= 0) o.interval_ms = 500;
    }
    if (o.scenario == "latency") {
        if (o.messages == 0) o.messages = 100;
        if (o.interval_ms <= 0) o.interval_ms = 100;
    }
    if (o.scenario == "chat" && o.rate <= 0) throw std::invalid_argument("--rate must be > 0");
    return o;
}

boost::json::object options_json(const Options& o) {
    return {{"url", o.url},
            {"send_url", o.send_url.empty() ? o.url : o.send_url},
            {"scenario", o.scenario},
            {"mode", o.mode},
            {"users", o.users},
            {"rooms", o.rooms},
            {"rooms_per_user", o.rooms_per_user},
            {"huge_room", o.huge_room},
            {"no_presence", o.no_presence},
            {"gzip", o.gzip},
            {"rate", o.rate},
            {"duration_s", o.duration},
            {"messages", o.messages},
            {"interval_ms", o.interval_ms},
            {"drain_s", o.drain},
            {"heartbeat_interval_s", o.heartbeat_interval},
            {"longpoll_timeout_ms", o.longpoll_timeout_ms},
            {"timeline_limit", o.timeline_limit},
            {"server_pid", o.server_pid},
            {"state", o.state},
            {"reuse", o.reuse},
            {"source_addrs", o.source_addrs},
            {"sender_conns", o.sender_conns},
            {"setup_conns", o.setup_conns},
            {"connect_concurrency", o.connect_concurrency},
            {"connect_timeout_s", o.connect_timeout},
            {"run_id", o.run_id},
            {"user_prefix", o.user_prefix}};
}

} // namespace loadgen
