#pragma once
// Wires config, store, services, routes and the HTTP server into one running process.
#include "config/config.hpp"

namespace myelin::app {

// Runs until SIGINT/SIGTERM, then shuts down gracefully. Returns the process exit code.
int serve(const Config& cfg);

} // namespace myelin::app
