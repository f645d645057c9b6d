#include "sync/sync_response.hpp"

#include "util/json_fields.hpp"
#include "util/json_writer.hpp"

#include <boost/json.hpp>

namespace myelin::sync {

namespace json = boost::json;

namespace {
void write_rooms(util::JsonWriter& w, const RoomsPart& rooms) {
    w.key("rooms").begin_object();
    auto section = [&](const char* name, const std::vector<RoomEntry>& list) {
        if (list.empty()) return;
        w.key(name).begin_object();
        for (const auto& room : list)
            w.key(room.room_id).raw(room.json);
        w.end_object();
    };
    section("join", rooms.join);
    section("invite", rooms.invite);
    section("knock", rooms.knock);
    section("leave", rooms.leave);
    w.end_object();
}

void write_key_counts(util::JsonWriter& w, const KeyCounts& k) {
    json::object counts;
    for (const auto& [alg, n] : k.one_time)
        counts[alg] = n;
    w.key("device_one_time_keys_count").value(counts);
    w.key("device_unused_fallback_key_types")
        .value(json::array(k.fallback_types.begin(), k.fallback_types.end()));
}
} // namespace

std::string write_sync_response(const SyncResponse& r) {
    util::JsonWriter w;
    w.begin_object();
    w.key("next_batch").string(r.next_batch);
    if (!r.rooms.empty()) write_rooms(w, r.rooms);
    if (!r.presence.empty()) {
        json::array events;
        for (const auto& p : r.presence)
            events.push_back(json::object{
                {"type", "m.presence"}, {"sender", p.user_id}, {"content", p.content}});
        w.key("presence").value(json::object{{"events", std::move(events)}});
    }
    if (!r.account_data.empty()) {
        json::array events;
        for (const auto& a : r.account_data)
            events.push_back(
                json::object{{"type", a.type}, {"content", json_fields::parse_stored(a.content)}});
        w.key("account_data").value(json::object{{"events", std::move(events)}});
    }
    if (!r.to_device.messages.empty()) {
        json::array events;
        for (const auto& m : r.to_device.messages)
            events.push_back(json::object{{"sender", m.sender},
                                          {"type", m.type},
                                          {"content", json_fields::parse_stored(m.content)}});
        w.key("to_device").value(json::object{{"events", std::move(events)}});
    }
    if (!r.device_lists.empty()) {
        const auto& d = r.device_lists;
        w.key("device_lists")
            .value(json::object{{"changed", json::array(d.changed.begin(), d.changed.end())},
                                {"left", json::array(d.left.begin(), d.left.end())}});
    }
    if (r.key_counts) write_key_counts(w, *r.key_counts);
    w.end_object();
    return w.take();
}

} // namespace myelin::sync
