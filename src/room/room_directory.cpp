#include "room/room_directory.hpp"
#include "event/event_types.hpp"

#include "util/ids.hpp"
#include "util/matrix_error.hpp"
#include <algorithm>
#include <charconv>

namespace myelin::room {

namespace json = boost::json;

namespace {
std::optional<std::string> content_str(const EventPtr& e, std::string_view key) {
    if (!e) return std::nullopt;
    const auto* v = e->content().if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}
} // namespace

void RoomDirectory::put_alias(const std::string& user_id, const std::string& alias,
                              const std::string& room_id) {
    if (!ids::valid_room_alias(alias)) throw invalid_param("Malformed room alias");
    if (ids::server_of(alias) != rooms_.server_name())
        throw invalid_param("Aliases must be on this server");
    rooms_.version_of(room_id); // 404 for unknown rooms
    if (rooms_.membership(room_id, user_id) != std::optional<std::string>("join"))
        throw forbidden("You must be joined to the room to give it an alias");
    if (!store_.put_alias(alias, room_id, user_id))
        throw MatrixError(409, errcode::unknown, "Room alias already exists");
}

json::object RoomDirectory::resolve_alias(const std::string& alias) {
    if (!ids::valid_room_alias(alias)) throw invalid_param("Malformed room alias");
    auto a = store_.get_alias(alias);
    if (!a) throw not_found("Room alias " + alias + " not found");
    return json::object{{"room_id", a->first}, {"servers", json::array{rooms_.server_name()}}};
}

void RoomDirectory::delete_alias(const std::string& user_id, const std::string& alias) {
    if (!ids::valid_room_alias(alias)) throw invalid_param("Malformed room alias");
    auto a = store_.get_alias(alias);
    if (!a) throw not_found("Room alias not found");
    // The alias's creator, or anyone who may change the room's canonical alias.
    bool allowed = a->second == user_id;
    if (!allowed && rooms_.joined(a->first, user_id))
        allowed = rooms_.user_power(a->first, user_id) >=
                  rooms_.required_power(a->first, event_type::canonical_alias, true);
    if (!allowed) throw forbidden("You may not remove this alias");
    store_.delete_alias(alias);
}

json::array RoomDirectory::aliases(const std::string& user_id, const std::string& room_id) {
    rooms_.version_of(room_id);
    bool world = content_str(rooms_.state_event(room_id, event_type::history_visibility),
                             "history_visibility") == std::optional<std::string>("world_readable");
    if (!world && rooms_.membership(room_id, user_id) != std::optional<std::string>("join"))
        throw forbidden("You are not joined to this room");
    json::array out;
    for (auto& a : store_.aliases_for_room(room_id))
        out.emplace_back(a);
    return out;
}

void RoomDirectory::set_visibility(const std::string& user_id, const std::string& room_id,
                                   const std::string& visibility) {
    if (visibility != "public" && visibility != "private")
        throw invalid_param("visibility must be 'public' or 'private'");
    rooms_.version_of(room_id);
    if (rooms_.membership(room_id, user_id) != std::optional<std::string>("join") ||
        rooms_.user_power(room_id, user_id) <
            rooms_.required_power(room_id, event_type::canonical_alias, true))
        throw forbidden("You may not change this room's directory visibility");
    store_.set_room_public(room_id, visibility == "public");
}

std::string RoomDirectory::visibility(const std::string& room_id) {
    auto r = events_.get_room(room_id);
    if (!r) throw not_found("Unknown room");
    return r->is_public ? "public" : "private";
}

json::object RoomDirectory::summary(const std::string& room_id) {
    json::object o{{"room_id", room_id}};
    std::int64_t joined = 0;
    for (const auto& [k, e] : *rooms_.state(room_id))
        if (k.first == event_type::member &&
            content_str(e, "membership") == std::optional<std::string>("join"))
            ++joined;
    o["num_joined_members"] = joined;
    if (auto n = content_str(rooms_.state_event(room_id, event_type::name), "name")) o["name"] = *n;
    if (auto t = content_str(rooms_.state_event(room_id, event_type::topic), "topic"))
        o["topic"] = *t;
    if (auto a = content_str(rooms_.state_event(room_id, event_type::canonical_alias), "alias"))
        o["canonical_alias"] = *a;
    if (auto a = content_str(rooms_.state_event(room_id, event_type::avatar), "url"))
        o["avatar_url"] = *a;
    o["join_rule"] = content_str(rooms_.state_event(room_id, event_type::join_rules), "join_rule")
                         .value_or("invite");
    o["world_readable"] =
        content_str(rooms_.state_event(room_id, event_type::history_visibility),
                    "history_visibility") == std::optional<std::string>("world_readable");
    o["guest_can_join"] = content_str(rooms_.state_event(room_id, event_type::guest_access),
                                      "guest_access") == std::optional<std::string>("can_join");
    if (auto t = content_str(rooms_.state_event(room_id, event_type::create), "type"))
        o["room_type"] = *t;
    return o;
}

json::object RoomDirectory::public_rooms(const PublicRoomsQuery& q) {
    std::vector<json::object> rooms;
    for (const auto& id : store_.public_rooms()) {
        auto s = summary(id);
        if (q.search_term && !q.search_term->empty()) {
            auto needle = lower(*q.search_term);
            bool hit = false;
            for (const char* key : {"name", "topic", "canonical_alias"})
                if (auto* v = s.if_contains(key);
                    v && v->is_string() &&
                    lower(std::string(v->get_string())).find(needle) != std::string::npos)
                    hit = true;
            if (!hit) continue;
        }
        if (q.room_types) {
            std::optional<std::string> type;
            if (auto* t = s.if_contains("room_type")) type = std::string(t->as_string());
            if (std::find(q.room_types->begin(), q.room_types->end(), type) == q.room_types->end())
                continue;
        }
        rooms.push_back(std::move(s));
    }
    std::stable_sort(rooms.begin(), rooms.end(), [](const auto& a, const auto& b) {
        return a.at("num_joined_members").as_int64() > b.at("num_joined_members").as_int64();
    });
    std::size_t offset = 0;
    if (q.since) {
        const auto& t = *q.since;
        std::size_t v = 0;
        auto [p, ec] =
            std::from_chars(t.data() + std::min<std::size_t>(1, t.size()), t.data() + t.size(), v);
        if (t.empty() || t[0] != 'o' || ec != std::errc() || p != t.data() + t.size())
            throw invalid_param("Malformed 'since' token");
        offset = std::min(v, rooms.size());
    }
    std::size_t end = q.limit > 0
                          ? std::min(rooms.size(), offset + static_cast<std::size_t>(q.limit))
                          : rooms.size();
    json::array chunk;
    for (std::size_t i = offset; i < end; ++i)
        chunk.push_back(std::move(rooms[i]));
    json::object out{{"chunk", std::move(chunk)},
                     {"total_room_count_estimate", static_cast<std::int64_t>(rooms.size())}};
    if (end < rooms.size()) out["next_batch"] = "o" + std::to_string(end);
    if (offset > 0) {
        auto prev = q.limit > 0 && offset > static_cast<std::size_t>(q.limit)
                        ? offset - static_cast<std::size_t>(q.limit)
                        : 0;
        out["prev_batch"] = "o" + std::to_string(prev);
    }
    return out;
}

} // namespace myelin::room
