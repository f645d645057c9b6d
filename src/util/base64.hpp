#pragma once
// Unpadded base64 as Matrix uses it: standard alphabet for hashes, keys and signatures,
// URL-safe alphabet for event and room ids (room version 4+).
#include <optional>
#include <string>
#include <string_view>

namespace myelin::util {

std::string base64_encode(std::string_view bytes);    // standard alphabet, no padding
std::string base64url_encode(std::string_view bytes); // URL-safe alphabet, no padding
// Accepts either alphabet, padded or not; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace myelin::util
