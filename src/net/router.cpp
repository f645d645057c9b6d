#include "net/router.hpp"

namespace myelin::net {

namespace {
std::vector<std::string> split_pattern(std::string_view p) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < p.size()) {
        if (p[i] == '/') {
            ++i;
            continue;
        }
        size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        out.emplace_back(p.substr(i, j - i));
        i = j;
    }
    return out;
}
bool is_placeholder(const std::string& s) {
    return s.size() > 2 && s.front() == '{';
}
} // namespace

void Router::add(http::verb method, std::string_view pattern, Handler handler, Body body) {
    routes_.push_back(
        Route{method, split_pattern(pattern), std::move(handler), std::string(pattern), body});
}

void Router::client(http::verb method, std::string_view path, const Handler& handler) {
    add(method, "/_matrix/client/v3" + std::string(path), handler);
    add(method, "/_matrix/client/r0" + std::string(path), handler);
}

void Router::client_v1(http::verb method, std::string_view path, const Handler& handler) {
    add(method, "/_matrix/client/v1" + std::string(path), handler);
}

Router::Match Router::match(http::verb method, const std::vector<std::string>& segments,
                            Request& req) const {
    Match m;
    for (const auto& r : routes_) {
        if (r.parts.size() != segments.size()) continue;
        bool ok = true;
        for (size_t i = 0; i < segments.size() && ok; ++i)
            ok = is_placeholder(r.parts[i]) || r.parts[i] == segments[i];
        if (!ok) continue;
        m.path_known = true;
        if (r.method != method) continue;
        for (size_t i = 0; i < segments.size(); ++i)
            if (is_placeholder(r.parts[i]))
                req.params[r.parts[i].substr(1, r.parts[i].size() - 2)] = segments[i];
        m.handler = &r.handler;
        m.name = &r.name;
        m.body = r.body;
        return m;
    }
    // "/pushrules/" and "/pushrules" are the same endpoint; an empty last segment that no
    // route uses (as a state key, say) is dropped and matching tried again.
    if (!m.handler && !segments.empty() && segments.back().empty()) {
        auto shorter = segments;
        shorter.pop_back();
        auto again = match(method, shorter, req);
        again.path_known = again.path_known || m.path_known;
        return again;
    }
    return m;
}

} // namespace myelin::net
