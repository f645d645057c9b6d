#pragma once
// What the account service is configured with (config/ fills it from the TOML file).
#include "account/password.hpp"
#include <string>

namespace myelin::account {

enum class RegistrationMode { open, token, closed };

struct RateLimit {
    bool enabled = true;
    double per_second = 0.5; // sustained requests per second per client address
    double burst = 10;       // requests allowed at once
};

struct AccountSettings {
    std::string server_name;
    RegistrationMode registration = RegistrationMode::open;
    HashCost password_hash_cost = HashCost::interactive;
    RateLimit login_rate_limit;
    RateLimit register_rate_limit;
    RateLimit failed_password_rate_limit;
};

} // namespace myelin::account
