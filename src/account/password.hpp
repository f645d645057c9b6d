#pragma once
// argon2id password hashes in the PHC string format (libsodium's crypto_pwhash_str).
#include <string>
#include <string_view>

namespace myelin::account {

enum class HashCost { min, interactive, moderate };
HashCost parse_hash_cost(std::string_view s); // throws std::invalid_argument

std::string hash_password(std::string_view password, HashCost cost);
bool verify_password(const std::string& hash, std::string_view password);

} // namespace myelin::account
