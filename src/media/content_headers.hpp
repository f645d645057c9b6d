#pragma once
// How a download is served (spec v1.19, "Serving inline content" and the download endpoints):
// inline only for content types a browser cannot turn into script, attachment otherwise; the
// upload's file name in Content-Disposition (RFC 6266: a quoted ASCII fallback and filename*
// in UTF-8 percent-encoding); and the headers that keep served media from running as a page.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::media {

// A Content-Type without its parameters, lower-cased ("Text/HTML; charset=x" → "text/html").
std::string base_type(std::string_view content_type);
// The spec's list of types that may be served inline (compared without parameters).
bool inline_safe(std::string_view content_type);
// "inline" or "attachment", with the file name when there is one.
std::string content_disposition(std::string_view content_type,
                                const std::optional<std::string>& file_name);
// Content-Security-Policy, X-Content-Type-Options, Cross-Origin-Resource-Policy and caching.
std::vector<std::pair<std::string, std::string>> safety_headers();

// A Range header ("bytes=A-B", "bytes=A-", "bytes=-N") against a file of `size` bytes: the
// first and last byte, or nothing when the header is absent or not one satisfiable range
// (the caller answers 416 when `unsatisfiable` is set).
struct ByteRange {
    std::int64_t first = 0, last = 0;
};
std::optional<ByteRange> parse_range(std::string_view header, std::int64_t size,
                                     bool& unsatisfiable);

} // namespace myelin::media
