#pragma once
// The four scenarios (idle, fanout, chat, latency): set up the world, connect every receiving
// client, run the measured phase, drain, and collect the results.
#include "http_conn.hpp"
#include "options.hpp"
#include <boost/json/object.hpp>

namespace loadgen {

// Resolves a URL (--url or --send-url) and picks the loopback source addresses. Throws on a bad
// URL.
Target make_target(asio::io_context& io, const Options& opts, const std::string& url);

// Runs the scenario; fills `result`. Returns the exit status (0 ok, 2 deliveries or requests
// went wrong). Throws std::runtime_error when the world cannot be set up.
// Sync connections go to `target`, sends to `send_target` (the same, or another process).
asio::awaitable<int> run_scenario(const Options& opts, const Target& target,
                                  const Target& send_target, boost::json::object& result);

} // namespace loadgen
