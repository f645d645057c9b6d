#pragma once
// Shared by the harnesses: an invariant check that libFuzzer reports as a crash, and small
// reference implementations the code under test is compared with.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "invariant violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__);   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// RFC 3629 UTF-8, written independently of util::valid_utf8: decode, then reject overlong
// forms, surrogates and code points above U+10FFFF.
inline bool reference_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto b = static_cast<unsigned char>(s[i]);
        if (b <= 0x7F) {
            ++i;
            continue;
        }
        int n = b >= 0xF0 && b <= 0xF4   ? 4
                : b >= 0xE0 && b <= 0xEF ? 3
                : b >= 0xC2 && b <= 0xDF ? 2
                                         : 0;
        if (n == 0 || i + n > s.size()) return false;
        std::uint32_t cp = b & (0x7F >> n);
        for (int k = 1; k < n; ++k) {
            auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        static constexpr std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

// Equality of JSON values where numbers compare by value across int64/uint64/double: canonical
// JSON writes 1.0 as 1, which parses back as an integer.
inline bool same_json(const boost::json::value& a, const boost::json::value& b) {
    auto number = [](const boost::json::value& v, long double& out) {
        if (v.is_int64())
            out = static_cast<long double>(v.get_int64());
        else if (v.is_uint64())
            out = static_cast<long double>(v.get_uint64());
        else if (v.is_double())
            out = static_cast<long double>(v.get_double());
        else
            return false;
        return true;
    };
    long double x, y;
    if (number(a, x) && number(b, y)) return x == y;
    if (a.kind() != b.kind()) return false;
    if (a.is_array()) {
        const auto &l = a.get_array(), &r = b.get_array();
        if (l.size() != r.size()) return false;
        for (std::size_t i = 0; i < l.size(); ++i)
            if (!same_json(l[i], r[i])) return false;
        return true;
    }
    if (a.is_object()) {
        const auto &l = a.get_object(), &r = b.get_object();
        if (l.size() != r.size()) return false;
        for (const auto& kv : l) {
            const auto* other = r.if_contains(kv.key());
            if (!other || !same_json(kv.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

} // namespace fuzz
