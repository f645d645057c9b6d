#pragma once
// Command-line options of myelin-load.
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

namespace loadgen {

struct Options {
    std::string url = "http://127.0.0.1:8008";
    std::string send_url;          // messages are sent here (another process); default: url
    std::string scenario = "chat"; // idle | fanout | chat | latency
    std::string mode = "sse";      // sse | longpoll
    std::uint32_t users = 100;
    std::uint32_t rooms = 10;
    std::uint32_t rooms_per_user = 1;
    bool huge_room = false;
    bool no_presence = false;   // filter presence out of every sync
    bool gzip = false;          // Accept-Encoding: gzip on sync requests
    double rate = 50;           // messages per second, all rooms together (chat)
    double duration = 10;       // seconds of sending (chat) or holding (idle)
    std::uint32_t messages = 0; // fanout / latency: how many (0: the scenario's default)
    double interval_ms = 0;     // fanout / latency: spacing (0: the scenario's default)
    double drain = 15;          // seconds to wait for outstanding deliveries at the end
    int server_pid = 0;
    std::string out;
    std::string state;
    bool reuse = false;
    std::uint32_t source_addrs = 8;
    std::uint32_t sender_conns = 4;
    std::uint32_t setup_conns = 16;
    std::uint32_t connect_concurrency = 64; // clients doing their first sync at once
    double connect_timeout = 120;           // seconds for every client to get its first sync
    int heartbeat_interval = 5;             // SSE, seconds (0: the server's default)
    int longpoll_timeout_ms = 30000;
    int timeline_limit = 100;
    std::string run_id; // generated when empty
    std::string user_prefix = "load";
    std::string password = "myelin-load-pw";
};

// Throws std::invalid_argument with a message for the user.
Options parse_options(int argc, char** argv);
const char* usage();
// Every option, for the results file.
boost::json::object options_json(const Options& o);

} // namespace loadgen
