#include "account/password.hpp"

#include <sodium.h>
#include <stdexcept>
#include <string>

namespace myelin::account {

HashCost parse_hash_cost(std::string_view s) {
    if (s == "min") return HashCost::min;
    if (s == "interactive") return HashCost::interactive;
    if (s == "moderate") return HashCost::moderate;
    throw std::invalid_argument("password hash cost must be min, interactive or moderate");
}

std::string hash_password(std::string_view password, HashCost cost) {
    unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (cost == HashCost::min) { // for benchmarks and tests that create thousands of users
        ops = crypto_pwhash_OPSLIMIT_MIN;
        mem = 64 * 1024;
    } else if (cost == HashCost::moderate) {
        ops = crypto_pwhash_OPSLIMIT_MODERATE;
        mem = crypto_pwhash_MEMLIMIT_MODERATE;
    }
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("password hashing ran out of memory");
    return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

} // namespace myelin::account
