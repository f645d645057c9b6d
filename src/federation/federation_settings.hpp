#pragma once
// What the operator sets for federation (config [federation]; docs/deployment.md).
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace myelin::federation {

struct FederationSettings {
    bool enabled = false;
    std::string listen_host = "0.0.0.0"; // the TLS listener for /_matrix/federation, /_matrix/key
    unsigned short listen_port = 8448;
    std::string tls_certificate; // PEM chain, reloaded on SIGHUP
    std::string tls_private_key;
    std::string trusted_ca; // extra CAs for outbound TLS (private federations, tests)
    bool allow_private_destinations = false;
    std::string well_known_server;            // served as /.well-known/matrix/server when set
    std::map<std::string, std::string> hosts; // server name -> host:port, checked first
    // Notaries asked for a server's keys when it does not answer itself.
    std::vector<std::string> trusted_key_servers;
    // How long the keys /_matrix/key/v2/server hands out stay valid for those who cache them.
    std::chrono::milliseconds key_validity{24 * 3600 * 1000};
};

} // namespace myelin::federation
