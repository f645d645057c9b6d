#include "net/ip_ranges.hpp"

#include <gtest/gtest.h>

using myelin::net::DestinationPolicy;
using myelin::net::IpRangeSet;

namespace {
boost::asio::ip::address ip(const char* s) {
    return boost::asio::ip::make_address(s);
}
} // namespace

TEST(IpRanges, MatchesPrefixesOfBothFamilies) {
    auto s = IpRangeSet::parse({"10.0.0.0/8", "192.168.1.0/25", "fe80::/10", "203.0.113.7"});
    EXPECT_TRUE(s.contains(ip("10.255.1.2")));
    EXPECT_FALSE(s.contains(ip("11.0.0.1")));
    EXPECT_TRUE(s.contains(ip("192.168.1.127")));
    EXPECT_FALSE(s.contains(ip("192.168.1.128"))); // a prefix that is not a whole byte
    EXPECT_TRUE(s.contains(ip("fe80::1")));
    EXPECT_TRUE(s.contains(ip("febf::1")));
    EXPECT_FALSE(s.contains(ip("fec0::1")));
    EXPECT_TRUE(s.contains(ip("203.0.113.7"))); // a lone address is a /32
    EXPECT_FALSE(s.contains(ip("203.0.113.8")));
}

TEST(IpRanges, MappedIpv6IsMatchedAsItsIpv4) {
    auto s = IpRangeSet::parse({"127.0.0.0/8"});
    EXPECT_TRUE(s.contains(ip("::ffff:127.0.0.1")));
    EXPECT_FALSE(s.contains(ip("::ffff:8.8.8.8")));
}

TEST(IpRanges, RejectsMalformedEntries) {
    for (const char* bad : {"10.0.0.0/33", "fe80::/129", "10.0.0.0/", "10.0.0.0/8x", "example.com",
                            "10.0.0.0/-1", ""})
        EXPECT_THROW(IpRangeSet::parse({bad}), std::invalid_argument) << bad;
}

TEST(DestinationPolicy, RefusesSpecialRangesByDefault) {
    auto p = DestinationPolicy::standard({}, {});
    for (const char* refused : {"127.0.0.1",
                                "10.1.2.3",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.0.1",
                                "169.254.169.254",
                                "100.64.0.1",
                                "0.0.0.0",
                                "224.0.0.1",
                                "255.255.255.255",
                                "::1",
                                "::",
                                "fc00::1",
                                "fd12:3456::1",
                                "fe80::1",
                                "ff02::1",
                                "::ffff:10.0.0.1",
                                "64:ff9b::7f00:1",
                                "2002:7f00:1::1",
                                "198.18.0.1"})
        EXPECT_FALSE(p.permits(ip(refused))) << refused;
    for (const char* open :
         {"8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "93.184.216.34"})
        EXPECT_TRUE(p.permits(ip(open))) << open;
}

TEST(DestinationPolicy, AllowListOpensAndDenyListCloses) {
    auto p = DestinationPolicy::standard({"8.8.8.0/24"}, {"127.0.0.1/32"});
    EXPECT_TRUE(p.permits(ip("127.0.0.1")));
    EXPECT_FALSE(p.permits(ip("127.0.0.2")));
    EXPECT_FALSE(p.permits(ip("8.8.8.8")));
    EXPECT_TRUE(p.permits(ip("8.8.4.4")));
}
