#pragma once
// Token buckets keyed by client address or by account. Throws 429 M_LIMIT_EXCEEDED with
// retry_after_ms.
#include "account/account_settings.hpp"
#include <chrono>
#include <string>
#include <unordered_map>

namespace myelin::account {

class RateLimiter {
public:
    explicit RateLimiter(RateLimit cfg)
        : cfg_(cfg) {}
    // Takes a token, or throws when there is none.
    void check(const std::string& key);
    // Throws when there is no token, without taking one; `take` takes one (never throws).
    // Together they count only some outcomes (failed passwords), refusing once they pile up.
    void require(const std::string& key);
    void take(const std::string& key);

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point updated;
    };
    Bucket& refill(const std::string& key);
    [[noreturn]] void refuse(const Bucket& b) const;
    RateLimit cfg_;
    std::unordered_map<std::string, Bucket> buckets_;
};

} // namespace myelin::account
