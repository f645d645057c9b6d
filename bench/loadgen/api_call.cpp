#include "api_call.hpp"

#include "async_util.hpp"
#include <boost/json/parse.hpp>

namespace loadgen {

namespace json = boost::json;

boost::asio::awaitable<ApiResponse> api_call(HttpConn& conn, std::string_view method,
                                             std::string_view target, std::string_view token,
                                             std::string_view body, const Target& t, int max_429) {
    ApiResponse out;
    std::string request = format_request(method, target, t, token, body);
    for (int attempt = 0;; ++attempt) {
        auto r = co_await conn.exchange(request);
        if (r.ec && r.stale && attempt == 0) continue;
        if (r.ec) {
            out.status = 0;
            out.error = std::string(method) + " " + std::string(target) + ": " + r.ec.message();
            co_return out;
        }
        out.status = r.status;
        boost::system::error_code jec;
        out.body = json::parse(r.body, jec);
        if (jec) out.body = nullptr;
        if (r.status == 429 && out.rate_limited < max_429) {
            ++out.rate_limited;
            long wait_ms = r.retry_after_ms;
            if (out.body.is_object())
                if (const auto* ra = out.body.get_object().if_contains("retry_after_ms");
                    ra && ra->is_int64())
                    wait_ms = static_cast<long>(ra->get_int64());
            if (wait_ms < 0) wait_ms = 1000;
            co_await sleep_for(std::chrono::milliseconds(std::min(wait_ms, 30000L)));
            continue;
        }
        if (r.status < 200 || r.status >= 300)
            out.error = std::string(method) + " " + std::string(target) + ": " + describe(out);
        co_return out;
    }
}

std::string describe(const ApiResponse& r) {
    if (r.status == 0) return r.error;
    std::string s;
    if (r.body.is_object()) {
        const auto& o = r.body.get_object();
        if (const auto* c = o.if_contains("errcode"); c && c->is_string())
            s += std::string(c->get_string()) + ": ";
        if (const auto* e = o.if_contains("error"); e && e->is_string())
            s += std::string(e->get_string()) + " ";
    }
    return s + "(HTTP " + std::to_string(r.status) + ")";
}

} // namespace loadgen
