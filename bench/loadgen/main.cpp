// myelin-load: an event-driven load generator for Matrix sync, long-poll against /sync/sse.
// One io thread drives every socket. Usage: myelin-load --help.
#include "metrics.hpp"
#include "options.hpp"
#include "scenarios.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>

using namespace loadgen;

namespace {
std::string random_id() {
    static const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::mt19937_64 rng(std::random_device{}());
    std::string s;
    for (int i = 0; i < 8; ++i)
        s.push_back(digits[rng() % 36]);
    return s;
}
} // namespace

int main(int argc, char** argv) {
    Options opts;
    try {
        opts = parse_options(argc, argv);
    } catch (const std::invalid_argument& e) {
        if (*e.what()) std::cerr << "myelin-load: " << e.what() << "\n\n";
        std::cerr << usage();
        return *e.what() ? 1 : 0;
    }
    if (opts.run_id.empty()) opts.run_id = random_id();
    auto fds = raise_fd_limit();
    if (fds < opts.users + 100)
        std::cerr << "myelin-load: warning: only " << fds << " file descriptors allowed\n";

    // One thread: concurrency hint 1 lets Asio skip its internal locking.
    boost::asio::io_context io(1);
    boost::json::object result;
    int status = 1;
    try {
        Target target = make_target(io, opts, opts.url);
        Target send_target = opts.send_url.empty() ? target : make_target(io, opts, opts.send_url);
        boost::asio::co_spawn(io, run_scenario(opts, target, send_target, result),
                              [&](std::exception_ptr e, int rc) {
                                  if (e) {
                                      try {
                                          std::rethrow_exception(e);
                                      } catch (const std::exception& ex) {
                                          std::cerr << "myelin-load: " << ex.what() << "\n";
                                      }
                                      status = 1;
                                  } else {
                                      status = rc;
                                  }
                                  io.stop(); // leftover timers and sockets do not matter now
                              });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "myelin-load: " << e.what() << "\n";
        return 1;
    }
    if (result.empty()) return status;
    std::string text = boost::json::serialize(result);
    std::cout << text << std::endl;
    if (!opts.out.empty()) {
        std::ofstream out(opts.out, std::ios::trunc);
        out << text << "\n";
        if (!out) {
            std::cerr << "myelin-load: cannot write " << opts.out << "\n";
            return 1;
        }
    }
    // Suspended coroutines left in the io_context would reference freed run state.
    if (result.contains("teardown_incomplete")) std::_Exit(status);
    return status;
}
