#pragma once
// Every token Myelin hands out, printed and parsed in one place. All start with "s" and a
// position in the global event stream; positions are durable, so tokens stay valid across
// restarts.
//  - Pagination (/messages, /context, /relations, ...): "s<pos>". It names the gap after that
//    position, so `dir=b` from it starts at the event at the position and `dir=f` after it.
//  - Sync (/sync, /sync/sse event ids): "s<pos>_<typing serial>[_<to-device cursor>]". The
//    typing serial is in memory (a restart resets it, which only re-sends typing state); the
//    cursor, when present, is the position to-device messages were delivered up to when more
//    waited than one answer carries, and is always below <pos>.
// /messages accepts a sync token (its first part) as the spec requires.
// Lives in util/ rather than sync/ because room/ pagination prints them too, and room/ sits
// below sync/.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace myelin::tokens {

std::string position_token(std::int64_t pos);
// The position of a pagination or sync token; nothing for a malformed one.
std::optional<std::int64_t> parse_position_token(std::string_view t);

struct SyncToken {
    std::int64_t pos = 0;
    std::int64_t typing = 0;
    std::optional<std::int64_t> to_device;
    bool operator==(const SyncToken&) const = default;
};
std::string format_sync_token(const SyncToken& t);
// Nothing for a malformed token (a pagination token "s<pos>" is a sync token at typing 0).
std::optional<SyncToken> parse_sync_token(std::string_view t);

} // namespace myelin::tokens
