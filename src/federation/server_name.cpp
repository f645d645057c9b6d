#include "federation/server_name.hpp"

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>

namespace myelin::federation {

std::optional<ServerName> parse_server_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return std::nullopt;
    ServerName out;
    std::string_view host = name, port;
    if (name.front() == '[') {
        auto close = name.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = name.substr(0, close + 1);
        auto rest = name.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
        }
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(std::string(host.substr(1, host.size() - 2)), ec);
        if (ec) return std::nullopt;
        out.ip_literal = true;
    } else {
        auto colon = name.find(':');
        if (colon != std::string_view::npos) {
            host = name.substr(0, colon);
            port = name.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        if (host.empty()) return std::nullopt;
        for (char c : host)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
                return std::nullopt;
        boost::system::error_code ec;
        boost::asio::ip::make_address_v4(std::string(host), ec);
        out.ip_literal = !ec;
    }
    if (!port.empty() || (name.front() == '[' && name.back() == ':')) {
        unsigned p = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (port.empty() || port.size() > 5 || ec != std::errc() ||
            end != port.data() + port.size() || p == 0 || p > 65535)
            return std::nullopt;
        out.port = static_cast<unsigned short>(p);
    }
    out.host = std::string(host);
    return out;
}

} // namespace myelin::federation
