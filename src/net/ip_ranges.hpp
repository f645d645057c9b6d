#pragma once
// Sets of IP address ranges in CIDR notation ("10.0.0.0/8", "fe80::/10"), for deciding where
// the server may connect on a user's or another server's behalf. An IPv4-mapped IPv6 address
// (::ffff:127.0.0.1) is matched as the IPv4 address it carries, so it cannot slip past a rule.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace myelin::net {

class IpRangeSet {
public:
    // Throws std::invalid_argument naming the entry that is not an address or CIDR range.
    static IpRangeSet parse(const std::vector<std::string>& cidrs);
    void add(std::string_view cidr);
    bool contains(const boost::asio::ip::address& a) const;
    bool empty() const { return ranges_.empty(); }

private:
    struct Range {
        std::array<unsigned char, 16> bytes{}; // IPv4 as its mapped IPv6 form
        int prefix = 0;                        // of the 128 bits
    };
    std::vector<Range> ranges_;
};

// The special-purpose ranges (RFC 6890 and its successors) an outgoing request must not reach
// unless the operator allows it: this host, private networks, link-local, carrier-grade NAT,
// documentation, benchmarking, multicast, reserved, and their IPv6 counterparts.
const std::vector<std::string>& special_purpose_ranges();

// Where the server may connect: refused when the address is in `deny` and not in `allow`.
struct DestinationPolicy {
    IpRangeSet deny;
    IpRangeSet allow;
    bool permits(const boost::asio::ip::address& a) const {
        return !deny.contains(a) || allow.contains(a);
    }
    // Denies the special-purpose ranges and `extra_deny`, allows `allow`.
    static DestinationPolicy standard(const std::vector<std::string>& extra_deny,
                                      const std::vector<std::string>& allow);
};

} // namespace myelin::net
