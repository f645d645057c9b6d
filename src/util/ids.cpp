#include "util/ids.hpp"

#include <cctype>

namespace myelin::ids {

bool valid_new_localpart(std::string_view l) {
    if (l.empty()) return false;
    for (char c : l) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '=' || c == '-' || c == '/' || c == '+';
        if (!ok) return false;
    }
    return true;
}

bool valid_server_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    std::string_view host = name;
    if (host.front() == '[') { // IPv6 literal
        auto end = host.find(']');
        if (end == std::string_view::npos) return false;
        for (char c : host.substr(1, end - 1))
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'))
                return false;
        host = host.substr(end + 1);
        if (host.empty()) return true;
        if (host.front() != ':') return false;
        host = host.substr(1);
        if (host.empty() || host.size() > 5) return false;
        for (char c : host)
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        return true;
    }
    auto colon = host.find(':');
    if (colon != std::string_view::npos) {
        auto port = host.substr(colon + 1);
        if (port.empty() || port.size() > 5) return false;
        for (char c : port)
            if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        host = host.substr(0, colon);
    }
    if (host.empty()) return false;
    for (char c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return false;
    return true;
}

bool valid_user_id(std::string_view id) {
    if (id.size() < 4 || id.size() > 255 || id.front() != '@') return false;
    auto colon = id.find(':');
    if (colon == std::string_view::npos || colon == 1) return false;
    for (char c : id.substr(1, colon - 1)) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false; // historical grammar: printable ASCII
    }
    return valid_server_name(id.substr(colon + 1));
}

std::optional<std::string> local_localpart(std::string_view user_id, std::string_view server_name) {
    if (!valid_user_id(user_id)) return std::nullopt;
    auto colon = user_id.find(':');
    if (user_id.substr(colon + 1) != server_name) return std::nullopt;
    return std::string(user_id.substr(1, colon - 1));
}

std::string_view server_of(std::string_view id) {
    auto colon = id.find(':');
    return colon == std::string_view::npos ? std::string_view{} : id.substr(colon + 1);
}

} // namespace myelin::ids

namespace myelin::ids {

namespace {
bool printable_ascii(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return false;
    }
    return true;
}
} // namespace

bool valid_room_id(std::string_view id) {
    if (id.size() < 2 || id.size() > 255 || id.front() != '!') return false;
    if (!printable_ascii(id)) return false;
    auto colon = id.find(':');
    // v12 room ids are "!" + hash with no server part.
    if (colon == std::string_view::npos) return id.size() >= 2;
    return colon > 1 && valid_server_name(id.substr(colon + 1));
}

bool valid_room_alias(std::string_view alias) {
    if (alias.size() < 4 || alias.size() > 255 || alias.front() != '#') return false;
    auto colon = alias.find(':');
    if (colon == std::string_view::npos || colon == 1) return false;
    return printable_ascii(alias.substr(1, colon - 1)) &&
           valid_server_name(alias.substr(colon + 1));
}

bool valid_event_id(std::string_view id) {
    return id.size() >= 2 && id.size() <= 255 && id.front() == '$' && printable_ascii(id);
}

} // namespace myelin::ids
