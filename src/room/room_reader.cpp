#include "room/room_reader.hpp"
#include "event/event_types.hpp"

#include "room/client_format.hpp"
#include "room/visibility.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/stream_token.hpp"
#include <set>

namespace myelin::room {

namespace json = boost::json;

constexpr std::int64_t kMaxPageLimit = 1000;

json::object RoomReader::to_client(const store::StoredEvent& row, const event::RoomVersion& v) {
    auto e = parse_event(row);
    if (row.redacted_by) {
        if (auto r = store_.get_event(*row.redacted_by)) {
            auto re = parse_event(std::move(*r));
            return client_event(*e, v, re.get());
        }
    }
    return client_event(*e, v);
}

std::optional<std::int64_t> RoomReader::parse_token(const std::optional<std::string>& t) {
    if (!t) return std::nullopt;
    auto p = tokens::parse_position_token(*t);
    if (!p) throw invalid_param("Malformed pagination token");
    return p;
}

std::int64_t RoomReader::visible_state_position(const std::string& user_id,
                                                const std::string& room_id) {
    auto now = store_.max_stream_position();
    auto m = rooms_.membership(room_id, user_id);
    if (m == std::optional<std::string>("join")) return now;
    if (m && (*m == "leave" || *m == "ban")) {
        // The state as of when they left their last join: a later invite, knock or ban does not
        // let them read what changed since. One who never joined has no history to read.
        if (auto left = store_.end_of_last_join(room_id, user_id)) return *left;
    }
    Visibility vis(store_, room_id, user_id);
    if (vis.may_read_room()) return now;
    throw forbidden("You are not a member of this room");
}

json::object RoomReader::messages(const std::string& user_id, const std::string& room_id,
                                  const PageRequest& page, const EventFilter& filter) {
    const auto& v = rooms_.version_of(room_id);
    Visibility vis(store_, room_id, user_id);
    if (!vis.may_read_room()) throw forbidden("You are not a member of this room");
    if (page.dir != 'b' && page.dir != 'f') throw invalid_param("dir must be 'b' or 'f'");
    auto from = parse_token(page.from);
    auto to = parse_token(page.to);
    std::int64_t cursor = from ? *from : (page.dir == 'b' ? store_.max_stream_position() : 0);
    std::int64_t limit =
        std::clamp<std::int64_t>(filter.limit.value_or(page.limit), 0, kMaxPageLimit);
    json::array chunk;
    std::set<std::string> senders;
    bool exhausted = false;
    while (static_cast<std::int64_t>(chunk.size()) < limit && !exhausted) {
        auto batch = store_.room_events(
            room_id, cursor, page.dir, static_cast<std::size_t>(std::max<std::int64_t>(limit, 20)));
        if (batch.empty()) exhausted = true;
        for (auto& row : batch) {
            bool past_to =
                to && (page.dir == 'b' ? row.stream_ordering <= *to : row.stream_ordering > *to);
            if (past_to) {
                exhausted = true;
                break;
            }
            cursor = page.dir == 'b' ? row.stream_ordering - 1 : row.stream_ordering;
            if (!vis.can_see(row)) continue;
            auto e = parse_event(row);
            if (!filter.matches(*e)) continue;
            senders.insert(row.sender);
            chunk.push_back(to_client(row, v));
            if (static_cast<std::int64_t>(chunk.size()) >= limit) break;
        }
    }
    json::object out;
    out["start"] =
        tokens::position_token(from ? *from : (page.dir == 'b' ? store_.max_stream_position() : 0));
    if (!exhausted) out["end"] = tokens::position_token(cursor);
    if (filter.lazy_load_members && !senders.empty()) {
        json::array state;
        auto pos = store_.max_stream_position();
        for (const auto& s : senders)
            if (auto m = store_.state_event_at(room_id, event_type::member, s, pos))
                state.push_back(to_client(*m, v));
        out["state"] = std::move(state);
    }
    out["chunk"] = std::move(chunk);
    return out;
}

json::object RoomReader::event(const std::string& user_id, const std::string& room_id,
                               const std::string& event_id) {
    const auto& v = rooms_.version_of(room_id);
    if (!ids::valid_event_id(event_id)) throw invalid_param("Malformed event id");
    auto row = store_.get_event(event_id);
    Visibility vis(store_, room_id, user_id);
    if (!row || row->room_id != room_id || !vis.can_see(*row))
        throw not_found("Event not found or not visible to you");
    return to_client(*row, v);
}

json::object RoomReader::pdu_for_server(const std::string& server_name,
                                        const std::string& event_id) {
    if (!ids::valid_event_id(event_id)) throw invalid_param("Malformed event id");
    auto row = store_.get_event(event_id);
    // Not visible and unknown answer alike: the event's existence is not told either.
    if (!row || !server_can_see(store_, *row, server_name))
        throw not_found("Event not found or not visible to your server");
    return json_fields::parse_stored(row->json).as_object();
}

json::object RoomReader::context(const std::string& user_id, const std::string& room_id,
                                 const std::string& event_id, std::int64_t limit,
                                 const EventFilter& filter) {
    const auto& v = rooms_.version_of(room_id);
    auto target = event(user_id, room_id, event_id);
    auto row = store_.get_event(event_id);
    auto pos = row->stream_ordering;
    limit = std::clamp<std::int64_t>(filter.limit.value_or(limit), 0, kMaxPageLimit);
    std::int64_t before_n = limit / 2, after_n = limit - before_n;
    Visibility vis(store_, room_id, user_id);
    std::set<std::string> senders{row->sender};

    auto collect = [&](char dir, std::int64_t n, std::int64_t& cursor) {
        json::array out;
        for (auto& r :
             store_.room_events(room_id, cursor, dir, static_cast<std::size_t>(n * 2 + 10))) {
            if (static_cast<std::int64_t>(out.size()) >= n) break;
            cursor = dir == 'b' ? r.stream_ordering - 1 : r.stream_ordering;
            if (!vis.can_see(r)) continue;
            auto e = parse_event(r);
            if (!filter.matches(*e)) continue;
            senders.insert(r.sender);
            out.push_back(to_client(r, v));
        }
        return out;
    };
    std::int64_t start = pos - 1, end = pos;
    json::object out;
    out["events_before"] = collect('b', before_n, start);
    out["event"] = std::move(target);
    out["events_after"] = collect('f', after_n, end);
    out["start"] = tokens::position_token(start);
    out["end"] = tokens::position_token(end);
    json::array state;
    for (auto& s : store_.state_at(room_id, pos)) {
        if (filter.lazy_load_members && s.type == event_type::member &&
            !senders.count(s.state_key.value_or("")))
            continue;
        state.push_back(to_client(s, v));
    }
    out["state"] = std::move(state);
    return out;
}

json::array RoomReader::state(const std::string& user_id, const std::string& room_id) {
    const auto& v = rooms_.version_of(room_id);
    auto pos = visible_state_position(user_id, room_id);
    json::array out;
    for (auto& s : store_.state_at(room_id, pos))
        out.push_back(to_client(s, v));
    return out;
}

json::object RoomReader::state_content(const std::string& user_id, const std::string& room_id,
                                       const std::string& type, const std::string& state_key) {
    const auto& v = rooms_.version_of(room_id);
    auto pos = visible_state_position(user_id, room_id);
    auto row = store_.state_event_at(room_id, type, state_key, pos);
    if (!row) throw not_found("No such state event");
    auto e = to_client(*row, v);
    return e["content"].as_object();
}

json::object RoomReader::members(const std::string& user_id, const std::string& room_id,
                                 const std::optional<std::string>& at,
                                 const std::optional<std::string>& membership,
                                 const std::optional<std::string>& not_membership) {
    const auto& v = rooms_.version_of(room_id);
    auto pos = visible_state_position(user_id, room_id);
    if (auto t = parse_token(at)) pos = std::min(pos, *t);
    json::array chunk;
    for (auto& s : store_.state_at(room_id, pos)) {
        if (s.type != event_type::member) continue;
        auto e = to_client(s, v);
        const auto* m = e["content"].as_object().if_contains("membership");
        std::string mem = m && m->is_string() ? std::string(m->get_string()) : "";
        if (membership && mem != *membership) continue;
        if (not_membership && mem == *not_membership) continue;
        chunk.push_back(std::move(e));
    }
    return json::object{{"chunk", std::move(chunk)}};
}

json::object RoomReader::joined_members(const std::string& user_id, const std::string& room_id) {
    rooms_.version_of(room_id);
    if (rooms_.membership(room_id, user_id) != std::optional<std::string>("join"))
        throw forbidden("You are not joined to this room");
    json::object joined;
    for (const auto& [key, e] : *rooms_.state(room_id)) {
        if (key.first != event_type::member) continue;
        const auto& c = e->content();
        const auto* m = c.if_contains("membership");
        if (!m || !m->is_string() || m->get_string() != "join") continue;
        json::object info;
        if (auto* d = c.if_contains("displayname"); d && d->is_string()) info["display_name"] = *d;
        if (auto* a = c.if_contains("avatar_url"); a && a->is_string()) info["avatar_url"] = *a;
        joined[key.second] = std::move(info);
    }
    return json::object{{"joined", std::move(joined)}};
}

json::array RoomReader::joined_rooms(const std::string& user_id) {
    json::array out;
    for (auto& r : store_.rooms_for_user(user_id, "join"))
        out.emplace_back(r);
    return out;
}

json::object RoomReader::relations(const std::string& user_id, const std::string& room_id,
                                   const std::string& event_id,
                                   const std::optional<std::string>& rel_type,
                                   const std::optional<std::string>& event_type,
                                   const PageRequest& page) {
    const auto& v = rooms_.version_of(room_id);
    event(user_id, room_id, event_id); // the parent must exist and be visible
    if (page.dir != 'b' && page.dir != 'f') throw invalid_param("dir must be 'b' or 'f'");
    auto from = parse_token(page.from);
    auto to = parse_token(page.to);
    std::int64_t cursor = from ? *from : (page.dir == 'b' ? store_.max_stream_position() : 0);
    auto limit = std::clamp<std::int64_t>(page.limit, 1, kMaxPageLimit);
    Visibility vis(store_, room_id, user_id);
    json::array chunk;
    auto rows = store_.relations(room_id, event_id, rel_type, event_type, cursor, page.dir,
                                 static_cast<std::size_t>(limit + 1));
    bool more = static_cast<std::int64_t>(rows.size()) > limit;
    for (std::int64_t i = 0; i < std::min<std::int64_t>(limit, rows.size()); ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        if (to && (page.dir == 'b' ? r.stream_ordering <= *to : r.stream_ordering > *to)) {
            more = false;
            break;
        }
        cursor = page.dir == 'b' ? r.stream_ordering - 1 : r.stream_ordering;
        if (vis.can_see(r)) chunk.push_back(to_client(r, v));
    }
    json::object out{{"chunk", std::move(chunk)}};
    if (more) out["next_batch"] = tokens::position_token(cursor);
    if (from) out["prev_batch"] = *page.from;
    return out;
}

} // namespace myelin::room
