#pragma once
// Server discovery (spec "Resolving server names"): where to connect for a server name, and
// which name its certificate and Host header carry. In order: [federation.hosts]; an IP
// literal; an explicit port; /.well-known/matrix/server (cached as its headers say, a day by
// default, errors an hour); SRV _matrix-fed._tcp then _matrix._tcp; port 8448.
#include "federation/federation_settings.hpp"
#include "net/http_client.hpp"
#include "util/blocking_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>

namespace myelin::federation {

struct Destination {
    std::string base_url;   // "https://NAME[:PORT]": Host, SNI and the certificate's name
    std::string connect_to; // "host:port" when not the base URL's own
};

class Resolver {
public:
    Resolver(const FederationSettings& settings, net::HttpClient& http, util::BlockingPool& pool);
    // MatrixError 400 M_INVALID_PARAM for what is not a server name.
    boost::asio::awaitable<Destination> resolve(const std::string& server_name);

private:
    // The delegated server of a well-known file, or nullopt (cached either way).
    boost::asio::awaitable<std::optional<std::string>> well_known(const std::string& host);
    boost::asio::awaitable<std::optional<std::string>> srv(const std::string& host);

    const FederationSettings& settings_;
    net::HttpClient& http_;
    util::BlockingPool& pool_;
    struct Cached {
        std::optional<std::string> server;
        std::chrono::steady_clock::time_point expires;
    };
    std::unordered_map<std::string, Cached> well_known_; // on the event loop's thread
};

} // namespace myelin::federation
