#pragma once
// State shared by every receiving client of one run, and their counters.
#include "delivery_tracker.hpp"
#include "http_conn.hpp"
#include "options.hpp"
#include <iostream>
#include <string>
#include <vector>

namespace loadgen {

struct RunContext {
    RunContext(asio::any_io_executor e, const Options& o, const Target& t, DeliveryTracker& d)
        : ex(e)
        , opts(o)
        , target(t)
        , tracker(d) {}

    asio::any_io_executor ex;
    const Options& opts;
    const Target& target;
    DeliveryTracker& tracker;
    Traffic traffic;             // all receivers' sockets together
    std::string filter_json;     // the sync filter every client uses
    bool stopping = false;       // the run is over: connections are being closed on purpose
    bool measuring = false;      // inside the measured phase
    bool server_gone = false;    // --server-pid has exited: stop waiting for anything
    std::uint32_t ready = 0;     // clients that have had their first sync
    std::uint32_t streaming = 0; // SSE: streams currently open with status 200

    std::uint64_t errors = 0;      // failed requests, bad bodies, sync_error events
    std::uint64_t reconnects = 0;  // new connections after the first one
    std::uint64_t stream_ends = 0; // SSE streams that the server ended
    std::uint64_t limited = 0;     // incremental syncs with a "limited" (gappy) timeline
    std::uint64_t syncs = 0;       // sync bodies received (responses or SSE events)
    // ... while measuring, and those of them that carried none of the run's messages (presence,
    // receipts, ...): what a mode sends besides deliveries is part of its per-delivery cost.
    std::uint64_t syncs_measured = 0;
    std::uint64_t syncs_without_messages_measured = 0;
    std::uint64_t heartbeats = 0;
    std::vector<double> heartbeat_gaps_ms;
    std::vector<std::string> error_samples;

    void error(std::string what) {
        ++errors;
        if (error_samples.size() < 3) std::cerr << "error: " << what << "\n";
        if (error_samples.size() < 20) error_samples.push_back(std::move(what));
    }
};

} // namespace loadgen
