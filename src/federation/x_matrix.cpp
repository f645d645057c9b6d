#include "federation/x_matrix.hpp"

#include <cctype>

namespace myelin::federation {

namespace {
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
void skip_space(std::string_view& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
}
} // namespace

std::optional<XMatrix> parse_x_matrix(std::string_view h) {
    skip_space(h);
    constexpr std::string_view kScheme = "X-Matrix";
    if (h.size() <= kScheme.size() || !iequals(h.substr(0, kScheme.size()), kScheme) ||
        (h[kScheme.size()] != ' ' && h[kScheme.size()] != '\t'))
        return std::nullopt;
    h.remove_prefix(kScheme.size());
    XMatrix x;
    bool seen_origin = false, seen_key = false, seen_sig = false, seen_dest = false;
    while (true) {
        skip_space(h);
        if (h.empty()) break;
        auto eq = h.find('=');
        if (eq == std::string_view::npos || eq == 0) return std::nullopt;
        auto name = h.substr(0, eq);
        while (!name.empty() && name.back() == ' ')
            name.remove_suffix(1);
        h.remove_prefix(eq + 1);
        skip_space(h);
        std::string value;
        if (!h.empty() && h.front() == '"') {
            h.remove_prefix(1);
            bool closed = false;
            while (!h.empty()) {
                char c = h.front();
                h.remove_prefix(1);
                if (c == '\\' && !h.empty()) {
                    value += h.front();
                    h.remove_prefix(1);
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    value += c;
                }
            }
            if (!closed) return std::nullopt;
        } else {
            auto end = h.find(',');
            value = std::string(h.substr(0, end));
            while (!value.empty() && value.back() == ' ')
                value.pop_back();
            h.remove_prefix(end == std::string_view::npos ? h.size() : end);
        }
        auto set = [&](std::string& field, bool& seen) {
            if (seen) return false; // a field twice: which one was signed?
            field = std::move(value);
            seen = true;
            return true;
        };
        bool ok = true;
        if (iequals(name, "origin"))
            ok = set(x.origin, seen_origin);
        else if (iequals(name, "destination"))
            ok = set(x.destination, seen_dest);
        else if (iequals(name, "key"))
            ok = set(x.key, seen_key);
        else if (iequals(name, "sig"))
            ok = set(x.sig, seen_sig);
        if (!ok) return std::nullopt;
        skip_space(h);
        if (h.empty()) break;
        if (h.front() != ',') return std::nullopt;
        h.remove_prefix(1);
    }
    if (x.origin.empty() || x.key.empty() || x.sig.empty()) return std::nullopt;
    return x;
}

std::string format_x_matrix(const XMatrix& x) {
    return "X-Matrix origin=\"" + x.origin + "\",destination=\"" + x.destination + "\",key=\"" +
           x.key + "\",sig=\"" + x.sig + "\"";
}

boost::json::object signed_request(std::string_view method, std::string_view uri,
                                   std::string_view origin, std::string_view destination,
                                   const boost::json::value* content) {
    boost::json::object o{
        {"method", method}, {"uri", uri}, {"origin", origin}, {"destination", destination}};
    if (content) o["content"] = *content;
    return o;
}

} // namespace myelin::federation
