#include "response_parser.hpp"

#include <charconv>
#include <stdexcept>
#include <zlib.h>

namespace loadgen {

struct ResponseParser::Gunzip {
    z_stream z{};
    Gunzip() {
        if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2 failed");
    }
    ~Gunzip() { inflateEnd(&z); }
};

ResponseParser::~ResponseParser() = default;

ResponseParser::ResponseParser(BodySink* sink, std::string& body)
    : sink_(sink)
    , body_(body) {
    eager(true);
    header_limit(64 * 1024);
    body_limit(boost::none); // initial syncs of big accounts run to megabytes
}

void ResponseParser::on_field_impl(field name, string_view, string_view value, error_code&) {
    if (name == field::content_encoding && value == "gzip") gunzip_ = std::make_unique<Gunzip>();
    if (name != field::retry_after) return;
    long s = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
    if (ec == std::errc()) retry_after_ms_ = s * 1000;
}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
    if (length && (!sink_ || status_ != 200)) body_.reserve(static_cast<std::size_t>(*length));
}

void ResponseParser::deliver(std::string_view data) {
    if (sink_ && status_ == 200)
        sink_->on_body_data(data);
    else
        body_.append(data.data(), data.size());
}

std::size_t ResponseParser::take(string_view data) {
    if (!gunzip_) {
        deliver(std::string_view(data.data(), data.size()));
        return data.size();
    }
    auto& z = gunzip_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    char buf[16384];
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        int rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            throw std::runtime_error("bad gzip body");
        if (sizeof buf > z.avail_out) deliver(std::string_view(buf, sizeof buf - z.avail_out));
        if (rc == Z_STREAM_END) break;
    } while (z.avail_out == 0);
    return data.size();
}

std::size_t ResponseParser::on_body_impl(string_view data, error_code&) {
    return take(data);
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view data, error_code&) {
    return take(data);
}

} // namespace loadgen
