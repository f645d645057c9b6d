#pragma once
// Membership values of m.room.member events.
// Content from clients and other servers may carry any string: parse_membership answers
// nullopt for one the spec does not define, and callers treat that as no membership.
#include <optional>
#include <string_view>

namespace myelin::event {

enum class Membership { join, invite, leave, ban, knock };

inline std::optional<Membership> parse_membership(std::string_view s) {
    if (s == "join") return Membership::join;
    if (s == "invite") return Membership::invite;
    if (s == "leave") return Membership::leave;
    if (s == "ban") return Membership::ban;
    if (s == "knock") return Membership::knock;
    return std::nullopt;
}

inline const char* to_string(Membership m) {
    switch (m) {
    case Membership::join:
        return "join";
    case Membership::invite:
        return "invite";
    case Membership::leave:
        return "leave";
    case Membership::ban:
        return "ban";
    case Membership::knock:
        return "knock";
    }
    return "leave";
}

} // namespace myelin::event
