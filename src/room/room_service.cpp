#include "room/room_service.hpp"
#include "event/event_types.hpp"

#include "event/auth_rules.hpp"
#include "event/canonical_json.hpp"
#include "event/event_hash.hpp"
#include "event/power_levels.hpp"
#include "event/redaction.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"
#include "util/matrix_error.hpp"

namespace myelin::room {

namespace json = boost::json;

// The spec caps a PDU at 65,536 bytes of (canonical) JSON.
constexpr std::size_t kMaxEventBytes = 65536;
// ... and an event type, a state key, a transaction id at 255 bytes.
constexpr std::size_t kMaxIdBytes = 255;

RoomService::RoomService(std::string server_name, store::Store& store, event::SigningKey key,
                         feed::ChangeFeed& feed)
    : server_name_(std::move(server_name))
    , store_(store)
    , feed_(feed)
    , key_(std::move(key)) {}

RoomService::RoomCache* RoomService::load(const std::string& room_id) {
    if (auto it = rooms_.find(room_id); it != rooms_.end()) return &it->second;
    auto rec = store_.get_room(room_id);
    if (!rec) return nullptr;
    auto version = event::room_version(rec->room_version);
    if (!version) throw std::runtime_error("room " + room_id + " has unknown version");
    RoomCache cache{*version, {}, {}, next_state_version_++};
    // The head read before and after the state: the same head both times means no event was
    // appended in between, so the state belongs to that head. (Another process may be writing.)
    for (int attempt = 0;; ++attempt) {
        cache.state.clear();
        cache.memberships.clear();
        cache.head = store_.room_head(room_id);
        for (auto& row : store_.current_state(room_id))
            cache.set_state(parse_event(std::move(row)));
        auto after = store_.room_head(room_id);
        if (attempt >= 5 || (after.has_value() == cache.head.has_value() &&
                             (!after || after->event_id == cache.head->event_id)))
            break;
    }
    return &rooms_.emplace(room_id, std::move(cache)).first->second;
}

RoomService::RoomCache& RoomService::require_room(const std::string& room_id) {
    if (!ids::valid_room_id(room_id)) throw invalid_param("Malformed room id");
    auto* r = load(room_id);
    if (!r) throw not_found("Unknown room");
    return *r;
}

std::string RoomService::resolve_room(const std::string& id) {
    if (!id.empty() && id.front() == '#') {
        if (!ids::valid_room_alias(id)) throw invalid_param("Malformed room alias");
        auto a = store_.get_alias(id);
        if (!a) throw not_found("Room alias not found");
        return a->first;
    }
    require_room(id);
    return id;
}

const event::RoomVersion& RoomService::version_of(const std::string& room_id) {
    return require_room(room_id).version;
}

const std::map<event::StateKey, EventPtr>* RoomService::state(const std::string& room_id) {
    auto* r = load(room_id);
    return r ? &r->state : nullptr;
}

std::uint64_t RoomService::state_version(const std::string& room_id) {
    auto* r = load(room_id);
    return r ? r->state_version : 0;
}

EventPtr RoomService::state_event(const std::string& room_id, const std::string& type,
                                  const std::string& state_key) {
    auto* r = load(room_id);
    if (!r) return nullptr;
    auto it = r->state.find({type, state_key});
    return it == r->state.end() ? nullptr : it->second;
}

void RoomService::RoomCache::set_state(const EventPtr& e) {
    state[{e->type(), *e->row.state_key}] = e;
    if (e->type() != event_type::member) return;
    // Redaction keeps `membership`, so a redacted member event never changes this.
    const auto* m = e->content().if_contains("membership");
    auto parsed = m && m->is_string() ? event::parse_membership(m->get_string()) : std::nullopt;
    if (parsed)
        memberships[*e->row.state_key] = *parsed;
    else
        memberships.erase(*e->row.state_key);
}

const event::Membership* RoomService::cached_membership(const std::string& room_id,
                                                        const std::string& user_id) {
    auto* r = load(room_id);
    if (!r) return nullptr;
    auto it = r->memberships.find(user_id);
    return it == r->memberships.end() ? nullptr : &it->second;
}

std::optional<std::string> RoomService::membership(const std::string& room_id,
                                                   const std::string& user_id) {
    const auto* m = cached_membership(room_id, user_id);
    return m ? std::optional<std::string>(event::to_string(*m)) : std::nullopt;
}

std::optional<event::Membership> RoomService::membership_of(const std::string& room_id,
                                                            const std::string& user_id) {
    const auto* m = cached_membership(room_id, user_id);
    return m ? std::optional(*m) : std::nullopt;
}

bool RoomService::joined(const std::string& room_id, const std::string& user_id) {
    const auto* m = cached_membership(room_id, user_id);
    return m && *m == event::Membership::join;
}

namespace {
// A view of the state for the auth rules; redacted state events count in redacted form. Only
// the entries the rules read are put in (the create event, power levels, join rules and the
// event's own auth keys), so building it costs the same in a room of any size: a createRoom
// with thousands of initial state events is linear, not quadratic.
struct AuthView {
    event::StateMap map;
    std::vector<json::object> redacted; // keeps redacted copies alive
};

void build_view(const std::map<event::StateKey, EventPtr>& state, const event::RoomVersion& v,
                AuthView& view, const json::object* pdu = nullptr) {
    std::vector<event::StateKey> keys{
        {event_type::create, ""}, {event_type::power_levels, ""}, {event_type::join_rules, ""}};
    if (pdu)
        for (auto& k : event::auth_event_keys(*pdu, v))
            keys.push_back(std::move(k));
    view.redacted.reserve(keys.size());
    for (const auto& k : keys) {
        auto it = state.find(k);
        if (it == state.end() || view.map.count(k)) continue;
        const auto& e = it->second;
        if (e->row.redacted_by) {
            view.redacted.push_back(event::redact_event(e->pdu, v));
            view.map[k] = &view.redacted.back();
        } else {
            view.map[k] = &e->pdu;
        }
    }
}
} // namespace

std::int64_t RoomService::user_power(const std::string& room_id, const std::string& user_id) {
    auto& room = require_room(room_id);
    AuthView view;
    build_view(room.state, room.version, view);
    return event::PowerLevels::from_state(view.map, room.version).user_level(user_id);
}

std::int64_t RoomService::invite_power(const std::string& room_id) {
    auto& room = require_room(room_id);
    AuthView view;
    build_view(room.state, room.version, view);
    return event::PowerLevels::from_state(view.map, room.version).invite();
}

std::int64_t RoomService::required_power(const std::string& room_id, const std::string& type,
                                         bool is_state) {
    auto& room = require_room(room_id);
    AuthView view;
    build_view(room.state, room.version, view);
    return event::PowerLevels::from_state(view.map, room.version).event_level(type, is_state);
}

SendResult RoomService::store_event(const std::string& room_id, const json::object& pdu,
                                    const std::optional<store::TxnKey>& txn) {
    // Another process may append to the room between our reading its state and our append;
    // then the store refuses (HeadMoved), we catch up and build the event again.
    for (int attempt = 0;; ++attempt) {
        try {
            return try_store_event(room_id, pdu, txn);
        } catch (const store::TxnExists& e) {
            return sent_before(e.event_id);
        } catch (const store::HeadMoved&) {
            if (attempt >= 20)
                throw MatrixError(503, errcode::unknown, "Room is too busy, try again");
            if (on_head_moved) {
                on_head_moved();
            } else {
                rooms_.erase(room_id);
                load(room_id);
            }
        }
    }
}

SendResult RoomService::try_store_event(const std::string& room_id, json::object pdu,
                                        const std::optional<store::TxnKey>& txn) {
    auto& room = require_room(room_id);
    const auto& v = room.version;
    check_sizes(pdu);
    // A v12 create event arrives complete: its hash already named the room.
    if (!pdu.contains("depth")) {
        const auto& head = room.head;
        json::array prev;
        if (head) prev.emplace_back(head->event_id);
        pdu["prev_events"] = std::move(prev);
        pdu["depth"] = head ? head->depth + 1 : 1;
        pdu["origin_server_ts"] = util::now_ms();
        json::array auth_events;
        for (const auto& key : event::auth_event_keys(pdu, v))
            if (auto it = room.state.find(key); it != room.state.end())
                auth_events.emplace_back(it->second->id());
        pdu["auth_events"] = std::move(auth_events);
    }

    AuthView view;
    build_view(room.state, v, view, &pdu);
    auto decision = event::check_auth(pdu, view.map, v);
    std::optional<std::string> redacts;
    if (decision.allowed && pdu.at("type").as_string() == event_type::redaction)
        redacts = authorise_redaction(room_id, pdu, view.map, v, decision);
    if (!decision.allowed) {
        // A retried send whose sender has since lost the right (left the room, say) still
        // gets the event it made the first time.
        if (txn)
            if (auto existing = store_.find_txn(*txn)) return sent_before(*existing);
        throw forbidden(decision.reason);
    }

    try {
        event::add_content_hash(pdu); // the first to canonicalize the whole event
    } catch (const event::CanonicalJsonError& e) {
        throw bad_json(std::string("An event cannot hold this content: ") + e.what());
    }
    event::sign_event(pdu, key_, server_name_, v);
    std::string text = event::canonical_json(pdu);
    if (text.size() > kMaxEventBytes)
        throw MatrixError(413, errcode::too_large, "Event is larger than 65536 bytes");

    store::NewEvent ne;
    ne.expect_head = room.head ? room.head->event_id : std::string();
    ne.event_id = event::event_id_for(pdu, v);
    ne.room_id = room_id;
    ne.type = std::string(pdu.at("type").as_string());
    if (auto* sk = pdu.if_contains("state_key")) ne.state_key = std::string(sk->as_string());
    ne.sender = std::string(pdu.at("sender").as_string());
    ne.origin_server_ts = pdu.at("origin_server_ts").as_int64();
    ne.depth = pdu.at("depth").as_int64();
    ne.json = std::move(text);
    const auto& content = pdu.at("content").as_object();
    if (ne.type == event_type::member)
        if (auto* m = content.if_contains("membership"); m && m->is_string())
            ne.membership = std::string(m->get_string());
    ne.redacts = std::move(redacts);
    if (auto* rel = content.if_contains("m.relates_to"); rel && rel->is_object()) {
        auto* t = rel->get_object().if_contains("rel_type");
        auto* id = rel->get_object().if_contains("event_id");
        if (t && t->is_string() && id && id->is_string())
            ne.relation =
                store::RelationRecord{std::string(t->get_string()), std::string(id->get_string())};
    }

    auto pos = store_.append_event(ne, txn);
    store::StoredEvent row{pos,       ne.event_id,         ne.room_id, ne.type, ne.state_key,
                           ne.sender, ne.origin_server_ts, ne.depth,   ne.json, std::nullopt};
    auto stored = std::make_shared<Event>(Event{std::move(row), std::move(pdu)});
    if (replicated) own_positions_.insert(pos);
    apply_to_cache(room, stored);
    if (deferred_)
        deferred_->push_back(stored);
    else
        announce(*stored);
    return SendResult{stored->id(), pos};
}

// The spec's size limits on the parts of an event (the whole is checked once canonical).
void RoomService::check_sizes(const json::object& pdu) {
    auto too_long = [&](const char* key) {
        const auto* v = pdu.if_contains(key);
        return v && v->is_string() && v->get_string().size() > kMaxIdBytes;
    };
    if (too_long("type")) throw invalid_param("An event type is at most 255 bytes");
    if (too_long("state_key")) throw invalid_param("A state key is at most 255 bytes");
}

// A redaction takes effect only if its sender may redact the target (event::redaction_allowed);
// one that may not is refused, whichever endpoint sent it. A target this server does not
// have, or that lies in another room, is redacted by nothing: sending one needs the redact
// level (as Synapse asks), and no row is marked. Returns the target to mark.
std::optional<std::string> RoomService::authorise_redaction(const std::string& room_id,
                                                            const json::object& pdu,
                                                            const event::StateMap& state,
                                                            const event::RoomVersion& v,
                                                            event::AuthDecision& decision) {
    auto target_id = event::redaction_target(pdu, v);
    if (target_id && !ids::valid_event_id(*target_id)) {
        decision = {false, "The redacted event id is malformed"};
        return std::nullopt;
    }
    auto target = target_id ? store_.get_event(*target_id) : std::nullopt;
    bool here = target && target->room_id == room_id;
    if (!event::redaction_allowed(pdu, here ? target->sender : std::string(), state, v)) {
        decision = {false, "You need the redact power level to redact others' events"};
        return std::nullopt;
    }
    return here ? target_id : std::nullopt;
}

namespace {
feed::Change room_event(const Event& e, feed::Origin origin) {
    feed::Change c{feed::Kind::room_event, origin, e.row.stream_ordering};
    c.room = e.row.room_id;
    c.event = &e;
    return c;
}
} // namespace

void RoomService::announce(const Event& e) {
    feed_.publish(room_event(e, feed::Origin::here));
}

void RoomService::in_one_batch(const std::string& room_id, const std::function<void()>& writes) {
    auto batch = store_.begin_batch();
    std::vector<EventPtr> stored;
    deferred_ = &stored;
    try {
        writes();
        batch->commit();
    } catch (...) {
        // Rolled back: the cache forgets the room; nobody was told of its events.
        deferred_ = nullptr;
        rooms_.erase(room_id);
        for (const auto& e : stored)
            own_positions_.erase(e->row.stream_ordering);
        throw;
    }
    deferred_ = nullptr;
    for (const auto& e : stored)
        announce(*e);
}

SendResult RoomService::sent_before(const std::string& event_id) {
    auto e = store_.get_event(event_id);
    return SendResult{event_id, e ? e->stream_ordering : 0};
}

void RoomService::apply_to_cache(RoomCache& room, const EventPtr& stored) {
    room.head = store::RoomHead{stored->id(), stored->row.depth, stored->row.stream_ordering};
    if (stored->is_state()) {
        room.set_state(stored);
        room.state_version = next_state_version_++;
    }
    std::optional<std::string> redacts;
    if (stored->type() == event_type::redaction)
        redacts = event::redaction_target(stored->pdu, room.version);
    if (redacts) {
        room.state_version = next_state_version_++;
        // A redacted state event still counts for auth, in redacted form.
        for (auto& [k, e] : room.state)
            if (e->id() == *redacts && !e->row.redacted_by) {
                auto copy = std::make_shared<Event>(*e);
                copy->row.redacted_by = stored->id();
                e = std::move(copy);
            }
    }
}

void RoomService::apply_stored(store::StoredEvent row) {
    // Stored by this process: its cache and callbacks were done then.
    if (own_positions_.erase(row.stream_ordering)) return;
    auto e = parse_event(std::move(row));
    // A room loaded from the store after the event was stored has it already (and an
    // uncached room will load it when first needed); its callbacks run either way, since
    // nothing here has announced the event yet.
    if (auto it = rooms_.find(e->row.room_id); it != rooms_.end()) {
        auto& room = it->second;
        if (!room.head || e->row.stream_ordering > room.head->stream_ordering)
            apply_to_cache(room, e);
    }
    feed_.publish(room_event(*e, feed::Origin::other_process));
}

SendResult RoomService::send_event(const std::string& room_id, const Actor& actor,
                                   const std::string& type, json::object content,
                                   std::optional<std::string> state_key,
                                   std::optional<std::string> txn_id) {
    auto& room = require_room(room_id);
    // A retried transaction id is found when the event is appended (store::TxnExists).
    std::optional<store::TxnKey> txn;
    if (txn_id && txn_id->size() > kMaxIdBytes)
        throw invalid_param("A transaction id is at most 255 bytes");
    if (txn_id) txn = store::TxnKey{actor.user_id, actor.device_id, *txn_id};
    json::object pdu;
    pdu["type"] = type;
    pdu["room_id"] = room_id;
    pdu["sender"] = actor.user_id;
    if (state_key) pdu["state_key"] = *state_key;
    if (type == event_type::redaction && !room.version.redacts_in_content)
        if (auto* r = content.if_contains("redacts")) {
            pdu["redacts"] = *r;
            content.erase("redacts");
        }
    pdu["content"] = std::move(content);
    return store_event(room_id, pdu, txn);
}

json::object RoomService::member_content(const std::string& user_id,
                                         const std::string& membership) {
    json::object c{{"membership", membership}};
    if (membership == "join" || membership == "invite" || membership == "knock") {
        if (ids::local_localpart(user_id, server_name_)) {
            auto p = store_.get_profile(user_id);
            if (p.displayname) c["displayname"] = *p.displayname;
            if (p.avatar_url) c["avatar_url"] = *p.avatar_url;
        }
    }
    return c;
}

void RoomService::set_membership(const Actor& actor, const std::string& room_id,
                                 const std::string& target, const std::string& membership,
                                 const std::optional<std::string>& reason) {
    if (!ids::valid_user_id(target)) throw invalid_param("Malformed user id");
    auto content = member_content(target, membership);
    if (reason) content["reason"] = *reason;
    send_event(room_id, actor, event_type::member, std::move(content), target);
}

namespace {
// For restricted rooms: a joined member who may invite, to vouch for a join via an allowed room.
std::optional<std::string> pick_authoriser(RoomService& rooms, const std::string& room_id,
                                           const std::string& user_id) {
    auto jr = rooms.state_event(room_id, event_type::join_rules);
    if (!jr) return std::nullopt;
    const auto& c = jr->content();
    auto* rule = c.if_contains("join_rule");
    if (!rule || !rule->is_string() ||
        (rule->get_string() != "restricted" && rule->get_string() != "knock_restricted"))
        return std::nullopt;
    if (rooms.membership(room_id, user_id) == std::optional<std::string>("invite"))
        return std::nullopt;
    auto* allow = c.if_contains("allow");
    if (!allow || !allow->is_array()) return std::nullopt;
    bool eligible = false;
    for (const auto& a : allow->get_array()) {
        if (!a.is_object()) continue;
        auto* t = a.get_object().if_contains("type");
        auto* r = a.get_object().if_contains("room_id");
        if (t && t->is_string() && t->get_string() == "m.room_membership" && r && r->is_string() &&
            rooms.membership(std::string(r->get_string()), user_id) ==
                std::optional<std::string>("join"))
            eligible = true;
    }
    if (!eligible) return std::nullopt;
    auto need = rooms.invite_power(room_id);
    for (const auto& m : rooms.members(room_id))
        if (m.membership == "join" && ids::server_of(m.user_id) == rooms.server_name() &&
            rooms.user_power(room_id, m.user_id) >= need)
            return m.user_id;
    return std::nullopt;
}
} // namespace

std::string RoomService::join(const Actor& actor, const std::string& room_id_or_alias,
                              const std::optional<std::string>& reason) {
    auto room_id = resolve_room(room_id_or_alias);
    auto content = member_content(actor.user_id, "join");
    if (reason) content["reason"] = *reason;
    if (auto who = pick_authoriser(*this, room_id, actor.user_id))
        content["join_authorised_via_users_server"] = *who;
    send_event(room_id, actor, event_type::member, std::move(content), actor.user_id);
    return room_id;
}

void RoomService::leave(const Actor& actor, const std::string& room_id,
                        const std::optional<std::string>& reason) {
    require_room(room_id);
    set_membership(actor, room_id, actor.user_id, "leave", reason);
}

void RoomService::invite(const Actor& actor, const std::string& room_id, const std::string& target,
                         const std::optional<std::string>& reason) {
    set_membership(actor, room_id, target, "invite", reason);
}

void RoomService::kick(const Actor& actor, const std::string& room_id, const std::string& target,
                       const std::optional<std::string>& reason) {
    auto m = membership(room_id, target);
    if (!m || (*m != "join" && *m != "invite" && *m != "knock"))
        throw forbidden("The user is not in the room");
    set_membership(actor, room_id, target, "leave", reason);
}

void RoomService::ban(const Actor& actor, const std::string& room_id, const std::string& target,
                      const std::optional<std::string>& reason) {
    set_membership(actor, room_id, target, "ban", reason);
}

void RoomService::unban(const Actor& actor, const std::string& room_id, const std::string& target,
                        const std::optional<std::string>& reason) {
    if (membership(room_id, target) != std::optional<std::string>("ban"))
        throw forbidden("The user is not banned");
    set_membership(actor, room_id, target, "leave", reason);
}

std::string RoomService::knock(const Actor& actor, const std::string& room_id_or_alias,
                               const std::optional<std::string>& reason) {
    auto room_id = resolve_room(room_id_or_alias);
    auto content = member_content(actor.user_id, "knock");
    if (reason) content["reason"] = *reason;
    send_event(room_id, actor, event_type::member, std::move(content), actor.user_id);
    return room_id;
}

void RoomService::forget(const Actor& actor, const std::string& room_id) {
    require_room(room_id);
    auto m = membership(room_id, actor.user_id);
    if (m && (*m == "join" || *m == "invite" || *m == "knock"))
        throw MatrixError(400, errcode::unknown, "Leave the room before forgetting it");
    store_.forget_room(actor.user_id, room_id);
}

SendResult RoomService::redact(const Actor& actor, const std::string& room_id,
                               const std::string& event_id,
                               const std::optional<std::string>& reason,
                               const std::string& txn_id) {
    require_room(room_id);
    if (!ids::valid_event_id(event_id)) throw invalid_param("Malformed event id");
    auto target = store_.get_event(event_id);
    if (!target || target->room_id != room_id) throw not_found("Unknown event");
    // Whether the sender may redact it is decided where every event is stored
    // (authorise_redaction), for this endpoint and PUT /send/m.room.redaction alike.
    json::object content{{"redacts", event_id}};
    if (reason) content["reason"] = *reason;
    return send_event(room_id, actor, event_type::redaction, std::move(content), std::nullopt,
                      txn_id);
}

} // namespace myelin::room
