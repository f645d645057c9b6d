#pragma once
// gzip (RFC 1952) through zlib, for responses to clients that send Accept-Encoding: gzip.
#include <memory>
#include <string>
#include <string_view>

namespace myelin::util {

// One gzip stream written piece by piece: each write() returns bytes that decode to exactly
// what was written so far (a sync flush), so an SSE client gets every event at once, and the
// stream's history keeps compressing later events (keys, ids and room names repeat).
// window_bits 9..15 and mem_level 1..9 trade memory (about 2^(window_bits+2) + 2^(mem_level+9)
// bytes) for ratio.
class GzipWriter {
public:
    explicit GzipWriter(int window_bits = 15, int mem_level = 8, int level = 6);
    ~GzipWriter();
    GzipWriter(const GzipWriter&) = delete;
    GzipWriter& operator=(const GzipWriter&) = delete;

    std::string write(std::string_view data);
    // The end of the stream (the gzip trailer).
    std::string finish();

private:
    std::string run(std::string_view data, int flush);
    struct State;
    std::unique_ptr<State> s_;
};

// A whole body at once.
std::string gzip(std::string_view data);

// Whether an Accept-Encoding header value accepts gzip (a q=0 refuses it).
bool accepts_gzip(std::string_view accept_encoding);

} // namespace myelin::util
