#include "util/gzip.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <zlib.h>

namespace myelin::util {

struct GzipWriter::State {
    z_stream z{};
    bool done = false;
};

GzipWriter::GzipWriter(int window_bits, int mem_level, int level)
    : s_(std::make_unique<State>()) {
    // +16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&s_->z, level, Z_DEFLATED, window_bits + 16, mem_level, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        throw std::runtime_error("deflateInit2 failed");
}

GzipWriter::~GzipWriter() {
    deflateEnd(&s_->z);
}

std::string GzipWriter::run(std::string_view data, int flush) {
    std::string out;
    auto& z = s_->z;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    char buf[4096];
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        int rc = deflate(&z, flush);
        if (rc == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
        out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
    return out;
}

std::string GzipWriter::write(std::string_view data) {
    if (s_->done) throw std::logic_error("gzip stream already finished");
    return run(data, Z_SYNC_FLUSH);
}

std::string GzipWriter::finish() {
    if (s_->done) return {};
    s_->done = true;
    return run({}, Z_FINISH);
}

std::string gzip(std::string_view data) {
    // The window need not be larger than the data (a longer one finds nothing more), and zlib's
    // default state (256 KiB, a 64 KiB hash table cleared for each stream) would cost a short
    // /sync answer more than compressing it: window and hash table sized to the data.
    int window_bits = 9;
    while (window_bits < 15 && (std::size_t{1} << window_bits) < data.size())
        ++window_bits;
    GzipWriter w(window_bits, std::clamp(window_bits - 7, 1, 8));
    auto out = w.write(data);
    out += w.finish();
    return out;
}

bool accepts_gzip(std::string_view header) {
    // Comma-separated codings with optional ;q= weights (RFC 9110 12.5.3).
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        auto trim = [](std::string_view v) {
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front())))
                v.remove_prefix(1);
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())))
                v.remove_suffix(1);
            return v;
        };
        auto semi = item.find(';');
        auto coding = trim(item.substr(0, semi));
        std::string lower(coding);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (lower != "gzip" && lower != "x-gzip") continue;
        if (semi == std::string_view::npos) return true;
        auto params = trim(item.substr(semi + 1));
        if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
            auto q = trim(params.substr(2));
            // q=0, q=0.0, q=0.000: refused.
            return !(q.size() >= 1 && q[0] == '0' &&
                     q.find_first_not_of("0.", 0) == std::string_view::npos);
        }
        return true;
    }
    return false;
}

} // namespace myelin::util
