#pragma once
// Token buckets keyed by client address. Throws 429 M_LIMIT_EXCEEDED with retry_after_ms.
#include "config/config.hpp"
#include <chrono>
#include <string>
#include <unordered_map>

namespace myelin::account {

class RateLimiter {
public:
    explicit RateLimiter(RateLimit cfg) : cfg_(cfg) {}
    void check(const std::string& key);

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point updated;
    };
    RateLimit cfg_;
    std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace myelin::account
