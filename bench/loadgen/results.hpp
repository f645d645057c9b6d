#pragma once
// The results file: every parameter and metric of one run, as one JSON object.
#include "delivery_tracker.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "run_context.hpp"
#include "senders.hpp"
#include "traffic.hpp"
#include "world_setup.hpp"
#include <boost/json/object.hpp>

namespace loadgen {

// What the scenario sampled around its measured phase.
struct Measured {
    ProcSample server_before;    // after setup, before any receiver connected
    ProcSample server_connected; // every receiver connected: the measured phase starts
    ProcSample server_end;       // after the drain
    Traffic receivers, senders;  // bytes and requests during the measured phase
    double self_cpu_s = 0;       // the load generator's own CPU during the measured phase
    double window_s = 0;         // length of the measured phase, drain included
    double send_s = 0;           // until the last send was acknowledged
    double connect_s = 0;        // time for every receiver to get its first sync
    bool all_ready = false;
    std::size_t connections = 0; // receiving clients
    double loop_lag_max_ms = -1; // the server's longest loop stall while measuring; <0: unknown
};

// Builds the results object; "ok" is true when every delivery arrived exactly once, nothing
// failed and the server stayed up.
boost::json::object make_results(const Options& opts, World& world, const Measured& m,
                                 DeliveryTracker& tracker, const RunContext& ctx,
                                 const SenderPool& senders);

} // namespace loadgen
