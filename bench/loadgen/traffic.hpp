#pragma once
// Byte and request counters for one group of client sockets. They only grow; a measurement
// takes a copy at its start and subtracts it at its end.
#include <cstdint>

namespace loadgen {

struct Traffic {
    std::uint64_t bytes_out = 0; // everything written to the sockets, headers included
    std::uint64_t bytes_in = 0;  // everything read from them
    std::uint64_t requests = 0;  // HTTP requests written
    std::uint64_t connects = 0;  // TCP connections opened

    Traffic operator-(const Traffic& o) const {
        return {bytes_out - o.bytes_out, bytes_in - o.bytes_in, requests - o.requests,
                connects - o.connects};
    }
};

} // namespace loadgen
