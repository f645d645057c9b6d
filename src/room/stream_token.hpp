#pragma once
// Pagination tokens: "s" + a position in the global event stream. A token names the gap
// after that position, so `dir=b` from it starts at the event at the position and `dir=f`
// after it. Positions are durable, so tokens stay valid across restarts. Sync tokens start
// with the same part; /messages accepts them.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace myelin::room {

inline std::string position_token(std::int64_t pos) {
    return "s" + std::to_string(pos);
}

inline std::optional<std::int64_t> parse_position_token(std::string_view t) {
    if (t.size() < 2 || t[0] != 's') return std::nullopt;
    auto end = t.find('_');
    auto digits = t.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size() || v < 0) return std::nullopt;
    return v;
}

} // namespace myelin::room
