#include "store/postgres/pg_url.hpp"

namespace myelin::store::postgres {

bool is_postgres_url(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string redact_password(std::string_view url) {
    std::string out(url);
    // The password in the authority part: scheme://user:password@host
    auto scheme_end = out.find("://");
    if (scheme_end != std::string::npos) {
        auto start = scheme_end + 3;
        auto auth_end = out.find_first_of("/?#", start);
        if (auth_end == std::string::npos) auth_end = out.size();
        auto at = out.rfind('@', auth_end);
        if (at != std::string::npos && at >= start) {
            auto colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // ... or as a query parameter: ?password=...&
    for (std::string_view key : {"?password=", "&password="}) {
        auto p = out.find(key);
        if (p == std::string::npos) continue;
        auto v = p + key.size();
        auto end = out.find('&', v);
        out.replace(v, (end == std::string::npos ? out.size() : end) - v, "***");
    }
    return out;
}

} // namespace myelin::store::postgres
