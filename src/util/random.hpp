#pragma once
#include <string>

namespace myelin::util {

// `bytes` random bytes (libsodium CSPRNG) as unpadded URL-safe base64.
std::string random_token(std::size_t bytes);
// `n` random characters from [A-Za-z].
std::string random_letters(std::size_t n);
// Hex SHA-256, used to store access tokens without storing the tokens themselves.
std::string sha256_hex(std::string_view data);

} // namespace myelin::util
