#include "results.hpp"

#include <cmath>
#include <unistd.h>

namespace loadgen {

namespace json = boost::json;

namespace {
double round3(double x) {
    return std::round(x * 1000) / 1000;
}

json::value per(double num, double den) {
    if (den <= 0) return nullptr;
    return round3(num / den);
}

json::object proc_json(const ProcSample& s) {
    if (!s.ok) return {};
    return {{"cpu_s", round3(s.cpu_s)}, {"rss_kib", s.rss_kib}, {"threads", s.threads}};
}
} // namespace

json::object make_results(const Options& opts, World& world, const Measured& m,
                          DeliveryTracker& tracker, const RunContext& ctx,
                          const SenderPool& senders) {
    const auto& server_before = m.server_before;
    const auto& server_connected = m.server_connected;
    const auto& server_end = m.server_end;
    const auto& recv = m.receivers;
    const auto& sent = m.senders;
    const double window_s = m.window_s, send_s = m.send_s;
    json::object result;
    std::uint64_t delivered = tracker.delivered();
    std::uint64_t missing = tracker.missing();
    std::vector<double> lat_ms;
    lat_ms.reserve(tracker.latencies_ns().size());
    for (auto ns : tracker.latencies_ns())
        lat_ms.push_back(static_cast<double>(ns) / 1e6);
    json::object server;
    server["pid"] = opts.server_pid;
    if (server_before.ok && server_end.ok) {
        double cpu = server_end.cpu_s - server_connected.cpu_s;
        server["cpu_s"] = round3(cpu);
        server["cpu_percent"] = round3(100 * cpu / window_s);
        server["cpu_s_per_1k_deliveries"] = per(cpu * 1000, static_cast<double>(delivered));
        server["cpu_s_per_1k_messages"] = per(cpu * 1000, static_cast<double>(senders.sent_ok));
        server["rss_kib_before_connect"] = server_before.rss_kib;
        server["rss_kib_connected"] = server_connected.rss_kib;
        server["rss_kib_end"] = server_end.rss_kib;
        server["rss_kib_per_connection"] =
            per(static_cast<double>(server_connected.rss_kib - server_before.rss_kib),
                static_cast<double>(m.connections));
        server["threads"] = server_end.threads;
        server["samples"] = json::object{{"before_connect", proc_json(server_before)},
                                         {"connected", proc_json(server_connected)},
                                         {"end", proc_json(server_end)}};
    }
    auto d = static_cast<double>(delivered);
    double bytes_out = static_cast<double>(recv.bytes_out + sent.bytes_out);
    double bytes_in = static_cast<double>(recv.bytes_in + sent.bytes_in);
    double requests = static_cast<double>(recv.requests + sent.requests);
    json::object wire{
        {"bytes_out", recv.bytes_out + sent.bytes_out},
        {"bytes_in", recv.bytes_in + sent.bytes_in},
        {"receiver_bytes_out", recv.bytes_out},
        {"receiver_bytes_in", recv.bytes_in},
        {"sender_bytes_out", sent.bytes_out},
        {"sender_bytes_in", sent.bytes_in},
        {"bytes_out_per_delivery", per(bytes_out, d)},
        {"bytes_in_per_delivery", per(bytes_in, d)},
        {"bytes_per_delivery", per(bytes_out + bytes_in, d)},
        {"requests", recv.requests + sent.requests},
        {"receiver_requests", recv.requests},
        {"sender_requests", sent.requests},
        {"requests_per_delivery", per(requests, d)},
        {"receiver_bytes_per_connection_per_s",
         per(static_cast<double>(recv.bytes_out + recv.bytes_in), m.connections * window_s)},
        {"connects", recv.connects + sent.connects}};
    json::object deliveries{{"expected", tracker.expected()},
                            {"delivered", delivered},
                            {"missing", missing},
                            {"duplicates", tracker.duplicates()},
                            {"unexpected", tracker.unexpected()},
                            {"after_failed_send", tracker.delivered_after_failed_send()},
                            {"per_s", round3(d / window_s)}};
    json::array missing_examples;
    for (auto& s : tracker.missing_examples(10))
        missing_examples.push_back(json::string(s));
    json::array errors;
    for (auto& s : ctx.error_samples)
        errors.push_back(json::string(s));
    for (auto& s : senders.errors)
        errors.push_back(json::string(s));
    std::uint64_t error_count = ctx.errors + senders.failed;

    result["tool"] = "myelin-load";
    result["server_url"] = opts.url;
    result["scenario"] = opts.scenario;
    result["mode"] = opts.mode;
    result["run_id"] = opts.run_id;
    result["options"] = options_json(opts);
    world.stats["connect_s"] = round3(m.connect_s);
    world.stats["all_ready"] = m.all_ready;
    result["setup"] = world.stats;
    result["connections"] = m.connections;
    result["send_s"] = round3(send_s);
    result["measured_s"] = round3(window_s);
    result["messages"] =
        json::object{{"sent", senders.sent_ok},
                     {"failed", senders.failed},
                     {"rate_limited", senders.rate_limited},
                     {"per_s", round3(static_cast<double>(senders.sent_ok) / send_s)},
                     {"max_backlog", senders.max_backlog}};
    result["deliveries"] = deliveries;
    result["latency_ms"] = summarize(lat_ms);
    result["server"] = server;
    result["wire"] = wire;
    result["receivers"] =
        json::object{{"errors", ctx.errors},
                     {"reconnects", ctx.reconnects},
                     {"stream_ends", ctx.stream_ends},
                     {"limited_timelines", ctx.limited},
                     {"syncs", ctx.syncs},
                     {"syncs_measured", ctx.syncs_measured},
                     {"syncs_without_messages_measured", ctx.syncs_without_messages_measured},
                     {"heartbeats", ctx.heartbeats}};
    if (opts.mode == "sse") {
        auto gaps = ctx.heartbeat_gaps_ms;
        auto hb = summarize(gaps);
        hb["interval_ms"] = (opts.heartbeat_interval > 0 ? opts.heartbeat_interval : 5) * 1000;
        result["heartbeat_gap_ms"] = hb;
    }
    result["loadgen"] = json::object{{"cpu_s", round3(m.self_cpu_s)},
                                     {"cpu_percent", round3(100 * m.self_cpu_s / window_s)},
                                     {"rss_kib", sample_process(getpid()).rss_kib}};
    if (m.loop_lag_max_ms >= 0)
        result["server_loop_lag_max_ms"] = round3(m.loop_lag_max_ms);
    else
        result["server_loop_lag_max_ms"] = nullptr;
    result["errors"] = error_count;
    result["error_samples"] = errors;
    result["missing_examples"] = missing_examples;
    result["server_exited"] = ctx.server_gone;
    bool ok = !ctx.server_gone && m.all_ready && missing == 0 && tracker.duplicates() == 0 &&
              tracker.unexpected() == 0 && error_count == 0;
    result["ok"] = ok;

    return result;
}

} // namespace loadgen
