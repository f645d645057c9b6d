#include "util/utf8.hpp"

namespace myelin::util {

namespace {
// The length of the valid UTF-8 sequence at `p`, 0 when it is not one.
std::size_t sequence_length(const unsigned char* p, const unsigned char* end) {
    unsigned char b = *p;
    if (b < 0x80) return 1;
    std::size_t len;
    char32_t c, min;
    if ((b & 0xE0) == 0xC0) {
        len = 2, c = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, c = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, c = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (static_cast<std::size_t>(end - p) < len) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (p[k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    return len;
}
} // namespace

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        auto len = sequence_length(p, end);
        if (len == 0) return false;
        p += len;
    }
    return true;
}

bool valid_path_text(std::string_view s) {
    for (char ch : s)
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) return false;
    return valid_utf8(s);
}

std::string clean_text(std::string_view s, std::size_t max_bytes) {
    std::string out;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    bool space = false;
    while (p < end) {
        auto len = sequence_length(p, end);
        std::string_view piece = len ? std::string_view(reinterpret_cast<const char*>(p), len)
                                     : std::string_view("\xEF\xBF\xBD"); // U+FFFD
        p += len ? len : 1;
        if (len == 1 && (*(p - 1) < 0x20 || *(p - 1) == ' ' || *(p - 1) == 0x7F)) {
            space = !out.empty();
            continue;
        }
        std::size_t need = piece.size() + (space ? 1 : 0);
        if (out.size() + need > max_bytes) break;
        if (space) out += ' ';
        space = false;
        out += piece;
    }
    return out;
}

} // namespace myelin::util
