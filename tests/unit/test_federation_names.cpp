#include "federation/server_name.hpp"
#include "federation/x_matrix.hpp"

#include <gtest/gtest.h>

using namespace myelin::federation;

TEST(ServerName, ParsesTheSpecForms) {
    auto a = parse_server_name("matrix.org");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "matrix.org");
    EXPECT_FALSE(a->port);
    EXPECT_FALSE(a->ip_literal);
    auto b = parse_server_name("matrix.org:8888");
    ASSERT_TRUE(b);
    EXPECT_EQ(*b->port, 8888);
    auto c = parse_server_name("1.2.3.4:1234");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->ip_literal);
    EXPECT_EQ(c->host, "1.2.3.4");
    auto d = parse_server_name("[1234:5678::abcd]:5678");
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->ip_literal);
    EXPECT_EQ(d->host, "[1234:5678::abcd]");
    EXPECT_EQ(*d->port, 5678);
    auto e = parse_server_name("[::1]");
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->port);
    EXPECT_TRUE(parse_server_name("localhost"));
}

TEST(ServerName, RefusesWhatIsNotOne) {
    for (const char* bad : {"", ":8448", "matrix.org:", "matrix.org:0", "matrix.org:65536",
                            "matrix.org:80a", "ma trix.org", "matrix.org/x", "[::1", "[nonsense]",
                            "[::1]x", "a@b", "matrix.org:8448:1"})
        EXPECT_FALSE(parse_server_name(bad)) << bad;
    EXPECT_FALSE(parse_server_name(std::string(256, 'a')));
}

TEST(XMatrix, ParsesQuotedAndBareValuesInAnyOrder) {
    auto x = parse_x_matrix(
        R"(X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF...")");
    ASSERT_TRUE(x);
    EXPECT_EQ(x->origin, "origin.hs.example.com");
    EXPECT_EQ(x->destination, "destination.hs.example.com");
    EXPECT_EQ(x->key, "ed25519:key1");
    EXPECT_EQ(x->sig, "ABCDEF...");
    auto y = parse_x_matrix("x-matrix sig=abc, key=ed25519:k , origin=o.example");
    ASSERT_TRUE(y);
    EXPECT_EQ(y->origin, "o.example");
    EXPECT_EQ(y->key, "ed25519:k");
    EXPECT_EQ(y->sig, "abc");
    EXPECT_EQ(y->destination, "");
    // A round trip through the formatter.
    auto z = parse_x_matrix(format_x_matrix(*x));
    ASSERT_TRUE(z);
    EXPECT_EQ(z->sig, x->sig);
    EXPECT_EQ(z->destination, x->destination);
}

TEST(XMatrix, RefusesMalformedHeaders) {
    for (const char* bad :
         {"Bearer abc", "X-Matrix", "X-Matrix origin=\"o\",key=\"k\"",
          "X-Matrix origin=\"o,key=\"k\",sig=\"s\"", "X-Matrix origin=o,origin=p,key=k,sig=s",
          "X-Matrixorigin=o,key=k,sig=s", "X-Matrix origin=o key=k sig=s",
          "X-Matrix =o,key=k,sig=s"})
        EXPECT_FALSE(parse_x_matrix(bad)) << bad;
}

TEST(XMatrix, SignedRequestCarriesContentOnlyWhenThereIsOne) {
    auto get = signed_request("GET", "/_matrix/federation/v1/query/profile?user_id=%40a%3Ab", "o",
                              "d", nullptr);
    EXPECT_EQ(get.size(), 4u);
    EXPECT_EQ(get["uri"].as_string(), "/_matrix/federation/v1/query/profile?user_id=%40a%3Ab");
    boost::json::value body = boost::json::object{{"k", 1}};
    auto put = signed_request("PUT", "/x", "o", "d", &body);
    EXPECT_EQ(put["content"].as_object()["k"].as_int64(), 1);
}
