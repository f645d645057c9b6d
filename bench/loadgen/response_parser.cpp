#include "response_parser.hpp"

#include <charconv>

namespace loadgen {

ResponseParser::ResponseParser(BodySink* sink, std::string& body)
    : sink_(sink)
    , body_(body) {
    eager(true);
    header_limit(64 * 1024);
    body_limit(boost::none); // initial syncs of big accounts run to megabytes
}

void ResponseParser::on_field_impl(field name, string_view, string_view value, error_code&) {
    if (name != field::retry_after) return;
    long s = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
    if (ec == std::errc()) retry_after_ms_ = s * 1000;
}

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
    if (length && (!sink_ || status_ != 200)) body_.reserve(static_cast<std::size_t>(*length));
}

std::size_t ResponseParser::take(string_view data) {
    if (sink_ && status_ == 200)
        sink_->on_body_data(std::string_view(data.data(), data.size()));
    else
        body_.append(data.data(), data.size());
    return data.size();
}

std::size_t ResponseParser::on_body_impl(string_view data, error_code&) {
    return take(data);
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view data, error_code&) {
    return take(data);
}

} // namespace loadgen
