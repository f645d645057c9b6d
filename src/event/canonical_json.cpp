#include "event/canonical_json.hpp"

#include "util/json_walk.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace myelin::event {

namespace json = boost::json;

namespace {
constexpr std::int64_t kMaxSafe = (std::int64_t{1} << 53) - 1;

bool int_fits(std::int64_t i) {
    return i <= kMaxSafe && i >= -kMaxSafe;
}
// 1e10 and -0 are integers written as floats; anything fractional does not fit.
bool double_fits(double d) {
    return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= static_cast<double>(kMaxSafe);
}

void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else {
                out.push_back(ch); // UTF-8 passes through unescaped
            }
        }
    }
    out.push_back('"');
}

void append_integer(std::string& out, std::int64_t i) {
    if (!int_fits(i)) throw CanonicalJsonError("integer outside the canonical JSON range");
    out += std::to_string(i);
}
} // namespace

void append_canonical_json(std::string& out, const json::value& v) {
    switch (v.kind()) {
    case json::kind::null:
        out += "null";
        break;
    case json::kind::bool_:
        out += v.get_bool() ? "true" : "false";
        break;
    case json::kind::int64:
        append_integer(out, v.get_int64());
        break;
    case json::kind::uint64:
        if (v.get_uint64() > static_cast<std::uint64_t>(kMaxSafe))
            throw CanonicalJsonError("integer outside the canonical JSON range");
        append_integer(out, static_cast<std::int64_t>(v.get_uint64()));
        break;
    case json::kind::double_: {
        double d = v.get_double();
        if (!double_fits(d))
            throw CanonicalJsonError("floating-point numbers are not allowed in canonical JSON");
        append_integer(out, static_cast<std::int64_t>(d));
        break;
    }
    case json::kind::string:
        append_string(out, v.get_string());
        break;
    case json::kind::array: {
        out.push_back('[');
        bool first = true;
        for (const auto& x : v.get_array()) {
            if (!first) out.push_back(',');
            first = false;
            append_canonical_json(out, x);
        }
        out.push_back(']');
        break;
    }
    case json::kind::object: {
        const auto& o = v.get_object();
        std::vector<const json::key_value_pair*> kvs;
        kvs.reserve(o.size());
        for (const auto& kv : o)
            kvs.push_back(&kv);
        // Byte order of UTF-8 equals code point order.
        std::sort(kvs.begin(), kvs.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
        out.push_back('{');
        bool first = true;
        for (const auto* kv : kvs) {
            if (!first) out.push_back(',');
            first = false;
            append_string(out, kv->key());
            out.push_back(':');
            append_canonical_json(out, kv->value());
        }
        out.push_back('}');
        break;
    }
    }
}

bool fits_canonical_json(const json::value& v) {
    return util::every_leaf(v, [](const json::value& leaf) {
        switch (leaf.kind()) {
        case json::kind::int64:
            return int_fits(leaf.get_int64());
        case json::kind::uint64:
            return leaf.get_uint64() <= static_cast<std::uint64_t>(kMaxSafe);
        case json::kind::double_:
            return double_fits(leaf.get_double());
        default:
            return true;
        }
    });
}

std::string canonical_json(const json::value& v) {
    std::string out;
    append_canonical_json(out, v);
    return out;
}

} // namespace myelin::event
