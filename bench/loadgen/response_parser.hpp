#pragma once
// An HTTP/1.1 response parser on Beast's basic_parser that hands the body of a 200 response to
// a sink as it arrives (for an endless SSE stream) and collects any other body into a string.
#include <boost/beast/http/basic_parser.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace loadgen {

class BodySink {
public:
    virtual ~BodySink() = default;
    virtual void on_body_data(std::string_view data) = 0;
};

class ResponseParser : public boost::beast::http::basic_parser<false> {
public:
    // Body bytes go to `sink` when the status is 200 and a sink is given, else into `body`.
    ResponseParser(BodySink* sink, std::string& body);
    ~ResponseParser() override;
    int status() const { return status_; }
    // The server's Retry-After header in milliseconds, if it sent one.
    long retry_after_ms() const { return retry_after_ms_; }

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using field = boost::beast::http::field;
    using verb = boost::beast::http::verb;

    void on_request_impl(verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { status_ = code; }
    void on_field_impl(field name, string_view, string_view value, error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
    std::size_t on_body_impl(string_view data, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override;
    void on_finish_impl(error_code&) override {}

    std::size_t take(string_view data);
    void deliver(std::string_view data);

    struct Gunzip; // a body sent with Content-Encoding: gzip is inflated as it arrives
    std::unique_ptr<Gunzip> gunzip_;
    BodySink* sink_;
    std::string& body_;
    int status_ = 0;
    long retry_after_ms_ = -1;
};

} // namespace loadgen
