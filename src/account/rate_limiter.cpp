#include "account/rate_limiter.hpp"

#include "util/matrix_error.hpp"
#include <cmath>

namespace myelin::account {

RateLimiter::Bucket& RateLimiter::refill(const std::string& key) {
    auto now = std::chrono::steady_clock::now();
    // Keep the table small: full buckets carry no information.
    if (buckets_.size() > 10000) {
        std::erase_if(buckets_, [&](const auto& kv) {
            std::chrono::duration<double> age = now - kv.second.updated;
            return kv.second.tokens + age.count() * cfg_.per_second >= cfg_.burst;
        });
    }
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{cfg_.burst, now});
    auto& b = it->second;
    std::chrono::duration<double> elapsed = now - b.updated;
    b.tokens = std::min(cfg_.burst, b.tokens + elapsed.count() * cfg_.per_second);
    b.updated = now;
    return b;
}

void RateLimiter::refuse(const Bucket& b) const {
    double wait_s = cfg_.per_second > 0 ? (1.0 - b.tokens) / cfg_.per_second : 60.0;
    MatrixError e(429, errcode::limit_exceeded, "Too many requests");
    e.extra["retry_after_ms"] = static_cast<std::int64_t>(std::ceil(wait_s * 1000));
    throw e;
}

void RateLimiter::check(const std::string& key) {
    if (!cfg_.enabled) return;
    auto& b = refill(key);
    if (b.tokens < 1.0) refuse(b);
    b.tokens -= 1.0;
}

void RateLimiter::require(const std::string& key) {
    if (!cfg_.enabled) return;
    if (auto& b = refill(key); b.tokens < 1.0) refuse(b);
}

void RateLimiter::take(const std::string& key) {
    if (!cfg_.enabled) return;
    auto& b = refill(key);
    b.tokens = std::max(0.0, b.tokens - 1.0);
}

} // namespace myelin::account
