#include "util/stream_token.hpp"

#include <charconv>

namespace myelin::tokens {

namespace {
std::optional<std::int64_t> number(std::string_view text) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < 0)
        return std::nullopt;
    return v;
}
} // namespace

std::string position_token(std::int64_t pos) {
    return "s" + std::to_string(pos);
}

std::optional<std::int64_t> parse_position_token(std::string_view t) {
    if (t.size() < 2 || t[0] != 's') return std::nullopt;
    return number(t.substr(1, t.find('_') == std::string_view::npos ? t.npos : t.find('_') - 1));
}

std::string format_sync_token(const SyncToken& t) {
    auto out = "s" + std::to_string(t.pos) + "_" + std::to_string(t.typing);
    if (t.to_device) out += "_" + std::to_string(*t.to_device);
    return out;
}

std::optional<SyncToken> parse_sync_token(std::string_view t) {
    auto pos = parse_position_token(t);
    if (!pos) return std::nullopt;
    SyncToken out{*pos, 0, std::nullopt};
    auto us = t.find('_');
    if (us == std::string_view::npos) return out;
    auto rest = t.substr(us + 1);
    auto us2 = rest.find('_');
    auto typing = number(rest.substr(0, us2));
    if (!typing) return std::nullopt;
    out.typing = *typing;
    if (us2 != std::string_view::npos) {
        auto cursor = number(rest.substr(us2 + 1));
        if (!cursor || *cursor >= out.pos) return std::nullopt;
        out.to_device = cursor;
    }
    return out;
}

} // namespace myelin::tokens
