#pragma once
// Server names (spec appendix "Server Name"): a DNS name, an IPv4 address or a bracketed IPv6
// address, optionally with a port. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace myelin::federation {

struct ServerName {
    std::string host; // as written (an IPv6 literal keeps its brackets)
    std::optional<unsigned short> port;
    bool ip_literal = false;
};

// nullopt for what is not a server name (empty, a bad character, a port out of range, over
// 255 bytes).
std::optional<ServerName> parse_server_name(std::string_view name);

} // namespace myelin::federation
