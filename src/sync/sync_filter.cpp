#include "sync/sync_filter.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::sync {

namespace json = boost::json;
namespace jf = json_fields;

namespace {
room::EventFilter sub(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return {};
    if (!v->is_object()) throw bad_json(std::string(key) + " must be an object");
    return room::EventFilter::parse(v->get_object());
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '\\' && i + 1 < path.size() && path[i + 1] == '.') {
            parts.back().push_back('.');
            ++i;
        } else if (path[i] == '.') {
            parts.emplace_back();
        } else {
            parts.back().push_back(path[i]);
        }
    }
    return parts;
}
} // namespace

SyncFilter SyncFilter::parse(const json::object& o) {
    SyncFilter f;
    if (const auto* room = o.if_contains("room")) {
        if (!room->is_object()) throw bad_json("room must be an object");
        const auto& r = room->get_object();
        f.rooms = room::EventFilter::parse(r); // rooms / not_rooms at this level
        f.timeline = sub(r, "timeline");
        f.state = sub(r, "state");
        f.ephemeral = sub(r, "ephemeral");
        f.room_account_data = sub(r, "account_data");
        f.include_leave = jf::opt_bool(r, "include_leave").value_or(false);
        if (const auto* t = jf::opt_object(r, "timeline"))
            f.unread_thread_notifications =
                jf::opt_bool(*t, "unread_thread_notifications").value_or(false);
    }
    f.account_data = sub(o, "account_data");
    f.presence = sub(o, "presence");
    if (const auto* ef = o.if_contains("event_fields")) {
        if (!ef->is_array()) throw bad_json("event_fields must be a list of strings");
        f.event_fields.emplace();
        for (const auto& x : ef->get_array()) {
            if (!x.is_string()) throw bad_json("event_fields must be a list of strings");
            f.event_fields->emplace_back(x.get_string());
        }
    }
    if (auto fmt = jf::opt_string(o, "event_format")) {
        if (*fmt != "client" && *fmt != "federation")
            throw bad_json("event_format must be 'client' or 'federation'");
        f.event_format = *fmt;
    }
    f.cache_key = json::serialize(o);
    return f;
}

json::object apply_event_fields(const json::object& event, const std::vector<std::string>& fields) {
    json::object out;
    for (const auto& path : fields) {
        auto parts = split_path(path);
        const json::object* src = &event;
        json::object* dst = &out;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const auto* v = src->if_contains(parts[i]);
            if (!v) break;
            if (i + 1 == parts.size()) {
                (*dst)[parts[i]] = *v;
            } else {
                if (!v->is_object()) break;
                auto& next = (*dst)[parts[i]];
                if (!next.is_object()) next = json::object{};
                src = &v->get_object();
                dst = &next.as_object();
            }
        }
    }
    return out;
}

} // namespace myelin::sync
