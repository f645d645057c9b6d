#include "media/content_headers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace myelin::media {

std::string base_type(std::string_view t) {
    auto semi = t.find(';');
    if (semi != std::string_view::npos) t = t.substr(0, semi);
    while (!t.empty() && t.back() == ' ')
        t.remove_suffix(1);
    std::string out(t);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

namespace {
constexpr std::array kInline = {
    "text/css",     "text/plain", "text/csv",    "application/json", "application/ld+json",
    "image/jpeg",   "image/gif",  "image/png",   "image/apng",       "image/webp",
    "image/avif",   "video/mp4",  "video/webm",  "video/ogg",        "video/quicktime",
    "audio/mp4",    "audio/webm", "audio/aac",   "audio/mpeg",       "audio/ogg",
    "audio/wave",   "audio/wav",  "audio/x-wav", "audio/x-pn-wav",   "audio/flac",
    "audio/x-flac",
};

bool attr_char(unsigned char c) { // RFC 5987 attr-char
    return std::isalnum(c) ||
           std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
} // namespace

bool inline_safe(std::string_view content_type) {
    auto t = base_type(content_type);
    return std::find(kInline.begin(), kInline.end(), t) != kInline.end();
}

std::string content_disposition(std::string_view content_type,
                                const std::optional<std::string>& file_name) {
    std::string out = inline_safe(content_type) ? "inline" : "attachment";
    if (!file_name || file_name->empty()) return out;
    // The quoted fallback: printable ASCII only, without quotes or backslashes.
    std::string ascii;
    bool plain = true;
    for (unsigned char c : *file_name) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            ascii += static_cast<char>(c);
        } else {
            plain = false;
            if ((c & 0xC0) != 0x80) ascii += '_'; // one per character, not per UTF-8 byte
        }
    }
    out += "; filename=\"" + ascii + "\"";
    if (!plain) {
        static const char* digits = "0123456789ABCDEF";
        std::string enc;
        for (unsigned char c : *file_name) {
            if (attr_char(c)) {
                enc += static_cast<char>(c);
            } else {
                enc += '%';
                enc += digits[c >> 4];
                enc += digits[c & 15];
            }
        }
        out += "; filename*=utf-8''" + enc;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> safety_headers() {
    return {
        {"Content-Security-Policy",
         "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; "
         "style-src 'unsafe-inline'; media-src 'self'; object-src 'self';"},
        {"X-Content-Type-Options", "nosniff"},
        {"Cross-Origin-Resource-Policy", "cross-origin"},
        // A media id never names other bytes: caches may keep it.
        {"Cache-Control", "private, max-age=31536000, immutable"},
    };
}

namespace {
std::optional<std::int64_t> number(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}
} // namespace

std::optional<ByteRange> parse_range(std::string_view h, std::int64_t size, bool& unsatisfiable) {
    unsatisfiable = false;
    constexpr std::string_view prefix = "bytes=";
    if (h.substr(0, prefix.size()) != prefix) return std::nullopt;
    h.remove_prefix(prefix.size());
    if (h.find(',') != std::string_view::npos) return std::nullopt; // several: send it whole
    auto dash = h.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto a = h.substr(0, dash), b = h.substr(dash + 1);
    ByteRange r;
    if (a.empty()) { // the last N bytes
        auto n = number(b);
        if (!n) return std::nullopt;
        if (*n == 0 || size == 0) {
            unsatisfiable = true;
            return std::nullopt;
        }
        r.first = std::max<std::int64_t>(0, size - *n);
        r.last = size - 1;
        return r;
    }
    auto first = number(a);
    if (!first) return std::nullopt;
    std::optional<std::int64_t> last = b.empty() ? std::optional(size - 1) : number(b);
    if (!last || (!b.empty() && *last < *first)) return std::nullopt;
    if (*first >= size) {
        unsatisfiable = true;
        return std::nullopt;
    }
    r.first = *first;
    r.last = std::min(*last, size - 1);
    return r;
}

} // namespace myelin::media
