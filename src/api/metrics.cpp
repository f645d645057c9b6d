// GET /_myelin/metrics: Prometheus text for the operator's scraper (off unless
// [metrics] enabled; loopback clients only, as resolved through trusted proxies).
#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
bool loopback(const std::string& ip) {
    return ip.rfind("127.", 0) == 0 || ip == "::1" || ip.rfind("::ffff:127.", 0) == 0;
}
} // namespace

void add_metrics_routes(net::Router& r, Services& s) {
    if (!s.config.metrics_enabled) return;
    r.add(verb::get, "/_myelin/metrics", [&s](Request& req) -> net::Awaitable {
        if (!loopback(req.remote_ip))
            co_return net::error_response(403, errcode::forbidden,
                                          "Metrics are for loopback clients");
        Response res;
        res.content_type = "text/plain; version=0.0.4";
        if (s.loop_lag) res.body = s.loop_lag->prometheus();
        co_return res;
    });
}

} // namespace myelin::api
