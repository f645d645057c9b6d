// gzip for /sync and /sync/sse: every write decodes at once to exactly what was written.
#include "util/gzip.hpp"
#include <gtest/gtest.h>
#include <zlib.h>

using namespace myelin;

namespace {
// A streaming gunzip, fed the compressed pieces one by one.
struct Gunzip {
    z_stream z{};
    Gunzip() { EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK); }
    ~Gunzip() { inflateEnd(&z); }
    int last = Z_OK;
    std::string feed(const std::string& in) {
        std::string out;
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(in.size());
        char buf[1024];
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            last = inflate(&z, Z_NO_FLUSH);
            EXPECT_TRUE(last == Z_OK || last == Z_STREAM_END || last == Z_BUF_ERROR) << last;
            out.append(buf, sizeof buf - z.avail_out);
        } while (z.avail_out == 0);
        return out;
    }
};
} // namespace

TEST(Gzip, EachEventDecodesAsSoonAsItIsWrittenAndLaterOnesCompressBetter) {
    util::GzipWriter w(12, 4);
    Gunzip g;
    std::string event = R"(id: s12_1
data: {"next_batch":"s12_1","rooms":{"join":{"!abc:example.org":{"timeline":{"events":[{"type":"m.room.message","content":{"body":"hello"}}]}}}}}

)";
    auto first = w.write(event);
    EXPECT_EQ(g.feed(first), event);
    auto second = w.write(event);
    EXPECT_EQ(g.feed(second), event);
    EXPECT_LT(second.size(), first.size() / 2) << "the second event refers back to the first";
    EXPECT_EQ(g.feed(w.write(": \n\n")), ": \n\n");
    EXPECT_EQ(g.feed(w.finish()), "");
    EXPECT_EQ(g.last, Z_STREAM_END);
    EXPECT_EQ(w.finish(), "");
}

TEST(Gzip, OneShotRoundTrips) {
    std::string body(10000, 'x');
    Gunzip g;
    auto z = util::gzip(body);
    EXPECT_LT(z.size(), 200u);
    EXPECT_EQ(g.feed(z), body);
    EXPECT_EQ(g.last, Z_STREAM_END);
}

TEST(Gzip, OneShotWindowFollowsTheSize) {
    // Short, medium and long bodies (their windows differ) all decode to themselves, and a
    // repetition 5,000 bytes back is still found in a 40,000-byte body.
    std::string noise;
    std::uint32_t x = 12345;
    for (int i = 0; i < 5000; ++i) {
        x = x * 1103515245u + 12345u; // no repetition closer than 5,000 bytes
        noise += static_cast<char>('a' + (x >> 16) % 26);
    }
    for (const auto& body : {std::string(""), std::string("{\"next_batch\":\"s1_0\"}"), noise,
                             noise + noise + noise + noise + noise + noise + noise + noise}) {
        Gunzip g;
        auto z = util::gzip(body);
        EXPECT_EQ(g.feed(z), body);
        EXPECT_EQ(g.last, Z_STREAM_END);
        // Without the repetitions 40,000 random letters would take about 23,500 bytes.
        if (body.size() > noise.size()) {
            EXPECT_LT(z.size(), noise.size());
        }
    }
}

TEST(Gzip, AcceptEncodingHeader) {
    EXPECT_TRUE(util::accepts_gzip("gzip"));
    EXPECT_TRUE(util::accepts_gzip("gzip, deflate, br"));
    EXPECT_TRUE(util::accepts_gzip("deflate, GZIP;q=0.5"));
    EXPECT_TRUE(util::accepts_gzip("br, x-gzip"));
    EXPECT_FALSE(util::accepts_gzip(""));
    EXPECT_FALSE(util::accepts_gzip("deflate, br"));
    EXPECT_FALSE(util::accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(util::accepts_gzip("gzip; q=0.000"));
    EXPECT_FALSE(util::accepts_gzip("gzipped"));
    EXPECT_TRUE(util::accepts_gzip("gzip;q=0.1"));
}
