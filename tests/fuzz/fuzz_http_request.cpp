// The HTTP/1.1 request parser as src/net/http_server.cpp runs it (Beast, 16 KiB header limit,
// 1 MiB body limit, one fresh parser per request of a keep-alive connection), then what
// dispatch() does with the target: parse_origin_form, decoded segments and query parameters
// checked as UTF-8 text.
//
// Input: byte 0 picks where the stream is cut into two reads; the rest is the byte stream of
// one connection (so pipelined requests follow each other). Invariants:
//  - the requests parsed, and whether the connection ends in an error, do not depend on where
//    the stream was cut (nor the error, but for the one case explained below);
//  - a body never exceeds the limit, and a Content-Length body has exactly that length;
//  - an accepted target is an origin form that starts with '/' and round-trips;
//  - util::valid_utf8 agrees with an independent RFC 3629 validator on every decoded piece;
//  - util::gzip of a body inflates back to the body.
#include "fuzz_common.hpp"
#include "util/gzip.hpp"
#include "util/utf8.hpp"

#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <vector>
#include <zlib.h>

namespace http = boost::beast::http;

namespace {

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = 1 << 20;
constexpr int kMaxRequests = 8;

struct Parsed {
    std::string method, target, body;
    unsigned version = 0;
    bool keep_alive = false, chunked = false;
    std::vector<std::pair<std::string, std::string>> fields;
    bool operator==(const Parsed&) const = default;
};

struct Outcome {
    std::vector<Parsed> requests;
    boost::system::error_code error; // what ended the connection (none: clean end of stream)
};

// Delivers `stream` to a parser as two reads, cut at `cut`, the way a socket might.
Outcome parse_connection(std::string_view stream, std::size_t cut, bool eager) {
    Outcome out;
    std::string buf(stream.substr(0, cut));
    std::string_view rest = stream.substr(cut);
    auto more = [&] {
        if (rest.empty()) return false;
        buf.append(rest);
        rest = {};
        return true;
    };
    for (int i = 0; i < kMaxRequests; ++i) {
        if (buf.empty() && !more()) return out; // the client closed between requests
        http::request_parser<http::string_body> p;
        p.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
        p.body_limit(kBodyLimit);
        // As async_read_header: the header alone first, so its length is what was consumed.
        p.eager(false);
        std::size_t header_bytes = 0;
        boost::system::error_code ec;
        while (!p.is_done()) {
            if (buf.empty() && !more()) {
                p.put_eof(ec);
                break;
            }
            bool had_header = p.is_header_done();
            auto n = p.put(boost::asio::buffer(buf.data(), buf.size()), ec);
            buf.erase(0, n);
            if (!had_header) header_bytes += n;
            if (!had_header && p.is_header_done()) {
                // Beast applies its limit to the start line and to the fields separately when
                // the header came in one read: the server checks the total (http_server.cpp).
                if (header_bytes > kHeaderLimit) {
                    ec = http::error::header_limit;
                    break;
                }
                p.eager(eager);
            }
            if (ec == http::error::need_more) {
                ec = {};
                if (!more()) {
                    p.put_eof(ec);
                    break;
                }
                continue;
            }
            if (ec) break;
        }
        if (!ec && !p.is_done()) ec = http::error::partial_message;
        if (ec) {
            out.error = ec;
            return out;
        }
        const auto& m = p.get();
        Parsed r;
        r.method = std::string(m.method_string());
        r.target = std::string(m.target());
        r.body = m.body();
        r.version = m.version();
        r.keep_alive = m.keep_alive();
        r.chunked = p.chunked();
        for (const auto& f : m)
            r.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
        out.requests.push_back(std::move(r));
        if (!out.requests.back().keep_alive) return out; // the server closes after this one
    }
    return out;
}

std::string gunzip(const std::string& z) {
    z_stream s{};
    FUZZ_CHECK(inflateInit2(&s, 15 + 16) == Z_OK);
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
    s.avail_in = static_cast<uInt>(z.size());
    std::string out;
    char buf[16384];
    int rc;
    do {
        s.next_out = reinterpret_cast<Bytef*>(buf);
        s.avail_out = sizeof buf;
        rc = inflate(&s, Z_NO_FLUSH);
        FUZZ_CHECK(rc == Z_OK || rc == Z_STREAM_END);
        out.append(buf, sizeof buf - s.avail_out);
    } while (rc != Z_STREAM_END);
    inflateEnd(&s);
    return out;
}

void check_text(std::string_view s) {
    FUZZ_CHECK(myelin::util::valid_utf8(s) == fuzz::reference_utf8(s));
    bool controls = false;
    for (char c : s)
        controls |= static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    FUZZ_CHECK(myelin::util::valid_path_text(s) == (!controls && fuzz::reference_utf8(s)));
}

void check_request(const Parsed& r) {
    FUZZ_CHECK(r.body.size() <= kBodyLimit);
    if (!r.chunked)
        for (const auto& [name, value] : r.fields)
            if (http::string_to_field(name) == http::field::content_length && !value.empty() &&
                value.size() < 19 && value.find_first_not_of("0123456789") == std::string::npos)
                FUZZ_CHECK(r.body.size() == std::stoull(value));

    auto url = boost::urls::parse_origin_form(r.target);
    if (url) {
        FUZZ_CHECK(url->buffer() == r.target);
        FUZZ_CHECK(url->encoded_path().starts_with("/"));
        for (auto seg : url->segments())
            check_text(seg);
        for (auto p : url->params()) {
            check_text(p.key);
            check_text(p.value);
        }
        auto again = boost::urls::parse_origin_form(url->buffer());
        FUZZ_CHECK(again && again->encoded_path() == url->encoded_path() &&
                   again->encoded_query() == url->encoded_query());
    }

    for (const auto& [name, value] : r.fields)
        if (http::string_to_field(name) == http::field::accept_encoding)
            (void)myelin::util::accepts_gzip(value);
    if (r.body.size() <= 64 * 1024) FUZZ_CHECK(gunzip(myelin::util::gzip(r.body)) == r.body);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    auto stream = fuzz::as_view(data + 1, size - 1);
    std::size_t cut = stream.empty() ? 0 : data[0] % (stream.size() + 1);
    if (data[0] == 0xFF) cut = stream.size() / 2;

    auto whole = parse_connection(stream, stream.size(), false);
    auto split = parse_connection(stream, cut, true);
    if (whole.requests != split.requests || whole.error != split.error)
        std::fprintf(stderr, "whole: %zu requests, %s; cut at %zu: %zu requests, %s\n",
                     whole.requests.size(), whole.error.message().c_str(), cut,
                     split.requests.size(), split.error.message().c_str());
    FUZZ_CHECK(whole.requests == split.requests);
    // Beast parses the start line of a first read at once, but once it had to wait it waits
    // for CRLF CRLF: a header malformed in its line endings is refused at once when it came in
    // one read, and waited on (until the client closes, or the header limit) when it did not.
    // Both refuse it; only the error differs. And a header over the limit: in one read Beast
    // parses it all and the total is refused after (header_limit); in pieces Beast stops at
    // the limit and may first meet what is malformed beyond it ("bad value").
    FUZZ_CHECK(whole.error == split.error ||
               (whole.error && (split.error == http::error::partial_message ||
                                split.error == http::error::header_limit)) ||
               (split.error && whole.error == http::error::header_limit));
    for (const auto& r : whole.requests)
        check_request(r);
    return 0;
}
