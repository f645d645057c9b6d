#pragma once
// Server-side samples from /proc and summary statistics.
#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

namespace loadgen {

struct ProcSample {
    bool ok = false;
    double cpu_s = 0;         // utime + stime
    std::int64_t rss_kib = 0; // VmRSS
    std::int64_t threads = 0;
};

// Reads /proc/PID/stat and /proc/PID/status; ok is false if the process is gone (or a zombie)
// or pid <= 0.
ProcSample sample_process(int pid);
// This process's own CPU seconds (user + system), to show when the load generator itself is
// the bottleneck.
double self_cpu_seconds();
// Raises RLIMIT_NOFILE to its hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

// count, p50, p99, max and mean of `values` (nearest-rank percentiles).
// Sorts `values`.
boost::json::object summarize(std::vector<double>& values);
double percentile(const std::vector<double>& sorted, double p);

} // namespace loadgen
