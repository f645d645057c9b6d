#include "event/power_levels.hpp"
#include "event/event_types.hpp"

namespace myelin::event {

namespace json = boost::json;

std::optional<std::int64_t> power_value(const json::value& v, const RoomVersion& rv) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(kInfinitePower))
        return static_cast<std::int64_t>(v.get_uint64());
    if (!rv.strict_integer_power_levels && v.is_string()) {
        try {
            return std::stoll(std::string(v.get_string()));
        } catch (...) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

namespace {
std::int64_t field(const json::object* o, std::string_view key, std::int64_t fallback,
                   const RoomVersion& v) {
    if (!o) return fallback;
    const auto* x = o->if_contains(key);
    if (!x) return fallback;
    return power_value(*x, v).value_or(fallback);
}
} // namespace

PowerLevels PowerLevels::from_state(const StateMap& state, const RoomVersion& v) {
    PowerLevels pl;
    if (auto it = state.find({event_type::create, ""}); it != state.end() && it->second) {
        const auto& create = *it->second;
        const json::object* content = nullptr;
        if (auto* c = create.if_contains("content"); c && c->is_object())
            content = &c->get_object();
        if (v.create_has_creator) {
            if (content)
                if (auto* c = content->if_contains("creator"); c && c->is_string())
                    pl.creators_.insert(std::string(c->get_string()));
        } else if (auto* s = create.if_contains("sender"); s && s->is_string()) {
            pl.creators_.insert(std::string(s->get_string()));
        }
        if (v.creators_have_infinite_power && content)
            if (auto* extra = content->if_contains("additional_creators");
                extra && extra->is_array())
                for (const auto& u : extra->get_array())
                    if (u.is_string()) pl.creators_.insert(std::string(u.get_string()));
    }
    pl.infinite_creators_ = v.creators_have_infinite_power;
    if (auto it = state.find({event_type::power_levels, ""}); it != state.end() && it->second) {
        if (auto* c = it->second->if_contains("content"); c && c->is_object())
            pl.content_ = &c->get_object();
    }
    const auto* c = pl.content_;
    // Without a power levels event: state_default 0, and the creator has 100 (spec).
    pl.users_default_ = field(c, "users_default", 0, v);
    pl.events_default_ = field(c, "events_default", 0, v);
    pl.state_default_ = field(c, "state_default", c ? 50 : 0, v);
    pl.invite_ = field(c, "invite", 0, v);
    pl.kick_ = field(c, "kick", 50, v);
    pl.ban_ = field(c, "ban", 50, v);
    pl.redact_ = field(c, "redact", 50, v);
    return pl;
}

std::int64_t PowerLevels::user_level(const std::string& user_id) const {
    if (infinite_creators_ && is_creator(user_id)) return kInfinitePower;
    if (!content_) return is_creator(user_id) ? 100 : 0;
    if (auto* users = content_->if_contains("users"); users && users->is_object())
        if (auto* lvl = users->get_object().if_contains(user_id))
            if (lvl->is_int64()) return lvl->get_int64();
    return users_default_;
}

std::int64_t PowerLevels::event_level(const std::string& type, bool is_state) const {
    if (content_)
        if (auto* events = content_->if_contains("events"); events && events->is_object())
            if (auto* lvl = events->get_object().if_contains(type); lvl && lvl->is_int64())
                return lvl->get_int64();
    return is_state ? state_default_ : events_default_;
}

std::int64_t PowerLevels::notification_level(const std::string& key) const {
    if (content_)
        if (auto* n = content_->if_contains("notifications"); n && n->is_object())
            if (auto* lvl = n->get_object().if_contains(key); lvl && lvl->is_int64())
                return lvl->get_int64();
    return 50;
}

} // namespace myelin::event
