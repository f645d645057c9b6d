#include "net/ip_ranges.hpp"

#include <charconv>
#include <stdexcept>

namespace myelin::net {

namespace {
std::array<unsigned char, 16> as_v6_bytes(const boost::asio::ip::address& a) {
    if (a.is_v4())
        return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
    return a.to_v6().to_bytes();
}

bool same_prefix(const std::array<unsigned char, 16>& x, const std::array<unsigned char, 16>& y,
                 int prefix) {
    int full = prefix / 8;
    for (int i = 0; i < full; ++i)
        if (x[i] != y[i]) return false;
    int rest = prefix % 8;
    if (rest == 0) return true;
    auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (x[full] & mask) == (y[full] & mask);
}
} // namespace

void IpRangeSet::add(std::string_view cidr) {
    auto bad = [&] {
        return std::invalid_argument("not an IP address or CIDR range: " + std::string(cidr));
    };
    auto slash = cidr.find('/');
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(cidr.substr(0, slash)), ec);
    if (ec) throw bad();
    int max = addr.is_v4() ? 32 : 128;
    int prefix = max;
    if (slash != std::string_view::npos) {
        auto p = cidr.substr(slash + 1);
        auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), prefix);
        if (err != std::errc() || end != p.data() + p.size() || p.empty() || prefix < 0 ||
            prefix > max)
            throw bad();
    }
    Range r;
    r.bytes = as_v6_bytes(addr);
    r.prefix = addr.is_v4() ? prefix + 96 : prefix;
    ranges_.push_back(r);
}

IpRangeSet IpRangeSet::parse(const std::vector<std::string>& cidrs) {
    IpRangeSet s;
    for (const auto& c : cidrs)
        s.add(c);
    return s;
}

bool IpRangeSet::contains(const boost::asio::ip::address& a) const {
    auto b = as_v6_bytes(a);
    for (const auto& r : ranges_)
        if (same_prefix(b, r.bytes, r.prefix)) return true;
    return false;
}

const std::vector<std::string>& special_purpose_ranges() {
    static const std::vector<std::string> list = {
        "0.0.0.0/8",       // "this network"
        "10.0.0.0/8",      // private
        "100.64.0.0/10",   // carrier-grade NAT
        "127.0.0.0/8",     // loopback
        "169.254.0.0/16",  // link-local (cloud metadata services live here)
        "172.16.0.0/12",   // private
        "192.0.0.0/24",    // IETF protocol assignments
        "192.0.2.0/24",    // documentation
        "192.88.99.0/24",  // 6to4 relay anycast
        "192.168.0.0/16",  // private
        "198.18.0.0/15",   // benchmarking
        "198.51.100.0/24", // documentation
        "203.0.113.0/24",  // documentation
        "224.0.0.0/4",     // multicast
        "240.0.0.0/4",     // reserved, and the broadcast address
        "::/128",          // unspecified
        "::1/128",         // loopback
        "64:ff9b::/96",    // NAT64: an IPv4 address inside
        "64:ff9b:1::/48",  // local-use NAT64
        "100::/64",        // discard
        "2001::/23",       // IETF protocol assignments (Teredo, ORCHID, …)
        "2001:db8::/32",   // documentation
        "2002::/16",       // 6to4: an IPv4 address inside
        "fc00::/7",        // unique local
        "fe80::/10",       // link-local
        "fec0::/10",       // site-local (deprecated)
        "ff00::/8",        // multicast
    };
    return list;
}

DestinationPolicy DestinationPolicy::standard(const std::vector<std::string>& extra_deny,
                                              const std::vector<std::string>& allow) {
    DestinationPolicy p;
    p.deny = IpRangeSet::parse(special_purpose_ranges());
    for (const auto& c : extra_deny)
        p.deny.add(c);
    p.allow = IpRangeSet::parse(allow);
    return p;
}

} // namespace myelin::net
