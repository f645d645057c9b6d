// The steps follow the spec's "State resolution v2" section (and MSC4297's two changes for room
// version 12), each function below named after the term the spec defines.
#include "event/state_res.hpp"

#include "event/auth_rules.hpp"
#include "event/event_types.hpp"
#include "event/power_levels.hpp"

#include <algorithm>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace myelin::event {

namespace json = boost::json;

std::vector<std::string> referenced_ids(const json::object& event, const char* field) {
    std::vector<std::string> out;
    const auto* list = event.if_contains(field);
    if (!list || !list->is_array()) return out;
    for (const auto& item : list->as_array()) {
        if (item.is_string())
            out.emplace_back(item.as_string());
        else if (item.is_array() && !item.as_array().empty() && item.as_array()[0].is_string())
            out.emplace_back(item.as_array()[0].as_string());
    }
    return out;
}

namespace {

std::string str(const json::object& e, const char* k) {
    const auto* v = e.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t ts_of(const json::object& e) {
    const auto* v = e.if_contains("origin_server_ts");
    return v && v->is_int64() ? v->as_int64() : 0;
}

std::optional<StateKey> key_of(const json::object& e) {
    const auto* k = e.if_contains("state_key");
    if (!k || !k->is_string()) return std::nullopt;
    return StateKey{str(e, "type"), std::string(k->as_string())};
}

class Resolver {
public:
    explicit Resolver(const StateResInput& in)
        : in_(in) {}

    StateIds run();
    // The unconflicted state map; fills `full` with the full conflicted set.
    StateIds split(std::set<std::string>& full);

private:
    const json::object* ev(const std::string& id) const {
        if (in_.version.room_id_from_create_event && id == in_.create_id) return in_.create;
        return in_.lookup(id);
    }
    // Every event reachable through auth_events from `start` (not `start` itself unless
    // reached), memoised.
    const std::unordered_set<std::string>& auth_chain(const std::string& start);
    bool is_power_event(const json::object& e) const;
    std::int64_t sender_power(const json::object& e) const;
    std::vector<std::string> reverse_topological_power_order(const std::set<std::string>& events);
    std::vector<std::string> mainline_order(const std::vector<std::string>& events,
                                            const StateIds& resolved);
    void iterative_auth_checks(const std::vector<std::string>& events, StateIds& state);
    std::set<std::string> conflicted_subgraph(const std::set<std::string>& conflicted);

    const StateResInput& in_;
    std::unordered_map<std::string, std::unordered_set<std::string>> chains_;
};

const std::unordered_set<std::string>& Resolver::auth_chain(const std::string& start) {
    if (auto it = chains_.find(start); it != chains_.end()) return it->second;
    std::unordered_set<std::string> chain;
    std::vector<std::string> todo;
    if (const auto* e = ev(start)) todo = referenced_ids(*e, "auth_events");
    while (!todo.empty()) {
        auto id = std::move(todo.back());
        todo.pop_back();
        if (!chain.insert(id).second) continue;
        if (auto it = chains_.find(id); it != chains_.end()) {
            chain.insert(it->second.begin(), it->second.end());
            continue;
        }
        if (const auto* e = ev(id))
            for (auto& a : referenced_ids(*e, "auth_events"))
                if (!chain.count(a)) todo.push_back(std::move(a));
    }
    return chains_.emplace(start, std::move(chain)).first->second;
}

// Power events: power levels, join rules, the create event, and kicks and bans (a member event
// whose sender is not its subject, leaving or banned).
bool Resolver::is_power_event(const json::object& e) const {
    auto type = str(e, "type");
    auto key = key_of(e);
    if (!key) return false;
    if (type == event_type::power_levels || type == event_type::join_rules)
        return key->second.empty();
    if (type == event_type::create) return key->second.empty();
    if (type != event_type::member) return false;
    const auto* content = e.if_contains("content");
    std::string membership;
    if (content && content->is_object()) membership = str(content->as_object(), "membership");
    return (membership == "leave" || membership == "ban") && str(e, "sender") != key->second;
}

// The sender's power level as the event's own auth events give it.
std::int64_t Resolver::sender_power(const json::object& e) const {
    StateMap auth;
    for (const auto& id : referenced_ids(e, "auth_events"))
        if (const auto* a = ev(id))
            if (auto k = key_of(*a)) auth[*k] = a;
    if (in_.version.room_id_from_create_event && in_.create)
        auth[{event_type::create, ""}] = in_.create;
    return PowerLevels::from_state(auth, in_.version).user_level(str(e, "sender"));
}

// Kahn's algorithm over the auth_events edges among `events`, an event coming out once all
// its auth events among them have; of those ready at once, the highest sender power first,
// then the earliest origin_server_ts, then the smallest event id.
std::vector<std::string>
Resolver::reverse_topological_power_order(const std::set<std::string>& events) {
    struct Key {
        std::int64_t power;
        std::int64_t ts;
        std::string id;
        bool operator<(const Key& o) const { // for a max-heap: "less" is "comes later"
            if (power != o.power) return power < o.power;
            if (ts != o.ts) return ts > o.ts;
            return id > o.id;
        }
    };
    std::unordered_map<std::string, int> waiting;                         // auth events not yet out
    std::unordered_map<std::string, std::vector<std::string>> dependents; // auth event → events
    std::unordered_map<std::string, Key> keys;
    for (const auto& id : events) {
        const auto* e = ev(id);
        if (!e) continue;
        keys[id] = Key{sender_power(*e), ts_of(*e), id};
        int n = 0;
        for (const auto& a : referenced_ids(*e, "auth_events"))
            if (events.count(a) && ev(a)) {
                ++n;
                dependents[a].push_back(id);
            }
        waiting[id] = n;
    }
    std::priority_queue<Key> ready;
    for (const auto& [id, n] : waiting)
        if (n == 0) ready.push(keys[id]);
    std::vector<std::string> out;
    while (!ready.empty()) {
        auto k = ready.top();
        ready.pop();
        out.push_back(k.id);
        for (const auto& d : dependents[k.id])
            if (--waiting[d] == 0) ready.push(keys[d]);
    }
    return out;
}

// The mainline: the resolved power levels event, the power levels event among its auth events,
// and so on. Each other event sorts by the position of the closest mainline event in its own
// power levels ancestry (the create-most is earliest), then origin_server_ts, then event id.
std::vector<std::string> Resolver::mainline_order(const std::vector<std::string>& events,
                                                  const StateIds& resolved) {
    auto pl_of = [&](const json::object& e) -> std::string {
        for (const auto& a : referenced_ids(e, "auth_events"))
            if (const auto* x = ev(a); x && str(*x, "type") == event_type::power_levels) return a;
        return {};
    };
    std::vector<std::string> mainline;
    if (auto it = resolved.find({event_type::power_levels, ""}); it != resolved.end()) {
        std::unordered_set<std::string> seen;
        for (std::string id = it->second; !id.empty() && seen.insert(id).second;) {
            mainline.push_back(id);
            const auto* e = ev(id);
            id = e ? pl_of(*e) : std::string();
        }
    }
    std::unordered_map<std::string, std::size_t> depth; // mainline event → distance from the root
    for (std::size_t i = 0; i < mainline.size(); ++i)
        depth[mainline[i]] = mainline.size() - i;
    auto position = [&](const std::string& id) -> std::size_t {
        std::unordered_set<std::string> seen;
        for (std::string cur = id; !cur.empty() && seen.insert(cur).second;) {
            if (auto it = depth.find(cur); it != depth.end()) return it->second;
            const auto* e = ev(cur);
            cur = e ? pl_of(*e) : std::string();
        }
        return 0;
    };
    struct Sorted {
        std::size_t pos;
        std::int64_t ts;
        std::string id;
    };
    std::vector<Sorted> s;
    for (const auto& id : events)
        if (const auto* e = ev(id)) s.push_back({position(id), ts_of(*e), id});
    std::sort(s.begin(), s.end(), [](const Sorted& a, const Sorted& b) {
        if (a.pos != b.pos) return a.pos < b.pos;
        if (a.ts != b.ts) return a.ts < b.ts;
        return a.id < b.id;
    });
    std::vector<std::string> out;
    for (auto& x : s)
        out.push_back(std::move(x.id));
    return out;
}

// Each event in turn, checked against its own auth events overlaid with the state so far; an
// event that passes takes its place in the state.
void Resolver::iterative_auth_checks(const std::vector<std::string>& events, StateIds& state) {
    for (const auto& id : events) {
        const auto* e = ev(id);
        if (!e) continue;
        auto key = key_of(*e);
        if (!key) continue;
        StateMap auth;
        for (const auto& a : referenced_ids(*e, "auth_events"))
            if (const auto* x = ev(a))
                if (auto k = key_of(*x)) auth[*k] = x;
        for (const auto& k : auth_event_keys(*e, in_.version))
            if (auto it = state.find(k); it != state.end())
                if (const auto* x = ev(it->second)) auth[k] = x;
        if (in_.version.room_id_from_create_event && in_.create)
            auth[{event_type::create, ""}] = in_.create;
        if (check_auth(*e, auth, in_.version).allowed) state[*key] = id;
    }
}

// MSC4297: the events on an auth_events path from one conflicted event to another.
std::set<std::string> Resolver::conflicted_subgraph(const std::set<std::string>& conflicted) {
    std::set<std::string> out;
    for (const auto& c : conflicted) {
        const auto& chain = auth_chain(c);
        for (const auto& a : chain) {
            if (out.count(a)) continue;
            // `a` is below c; it is in the subgraph when some conflicted event is below it.
            const auto& below = auth_chain(a);
            for (const auto& d : conflicted)
                if (below.count(d)) {
                    out.insert(a);
                    break;
                }
        }
    }
    return out;
}

StateIds Resolver::split(std::set<std::string>& full) {
    // Unconflicted state map and conflicted state set.
    StateIds unconflicted;
    std::set<std::string> conflicted;
    std::set<StateKey> keys;
    for (const auto& s : in_.sets)
        for (const auto& [k, id] : s)
            keys.insert(k);
    for (const auto& k : keys) {
        std::set<std::string> values;
        bool everywhere = true;
        for (const auto& s : in_.sets) {
            auto it = s.find(k);
            if (it == s.end())
                everywhere = false;
            else
                values.insert(it->second);
        }
        if (everywhere && values.size() == 1)
            unconflicted[k] = *values.begin();
        else
            conflicted.insert(values.begin(), values.end());
    }
    full.clear();
    if (conflicted.empty()) return unconflicted;

    // Full conflicted set: the conflicted events, the auth difference (what some but not all of
    // the sets' auth chains hold) and, in v12, the conflicted state subgraph.
    full = conflicted;
    std::vector<std::unordered_set<std::string>> chains;
    for (const auto& s : in_.sets) {
        std::unordered_set<std::string> chain;
        for (const auto& [k, id] : s) {
            chain.insert(id);
            const auto& c = auth_chain(id);
            chain.insert(c.begin(), c.end());
        }
        chains.push_back(std::move(chain));
    }
    for (const auto& chain : chains)
        for (const auto& id : chain) {
            bool in_all = std::all_of(chains.begin(), chains.end(),
                                      [&](const auto& c) { return c.count(id) > 0; });
            if (!in_all) full.insert(id);
        }
    if (in_.version.room_id_from_create_event) {
        auto sub = conflicted_subgraph(conflicted);
        full.insert(sub.begin(), sub.end());
    }
    // Unknown and rejected events take no part.
    for (auto it = full.begin(); it != full.end();)
        it = ev(*it) ? std::next(it) : full.erase(it);
    return unconflicted;
}

StateIds Resolver::run() {
    std::set<std::string> full;
    auto unconflicted = split(full);
    if (full.empty()) return unconflicted;

    // Power events and their auth chains within the full conflicted set, in reverse topological
    // power order, checked from the unconflicted state (v2) or from nothing (v2.1).
    std::set<std::string> power;
    for (const auto& id : full)
        if (is_power_event(*ev(id))) {
            power.insert(id);
            for (const auto& a : auth_chain(id))
                if (full.count(a)) power.insert(a);
        }
    StateIds state = in_.version.room_id_from_create_event ? StateIds{} : unconflicted;
    iterative_auth_checks(reverse_topological_power_order(power), state);

    // The others, in mainline order, from there.
    std::vector<std::string> rest;
    for (const auto& id : full)
        if (!power.count(id)) rest.push_back(id);
    iterative_auth_checks(mainline_order(rest, state), state);

    // The unconflicted state map wins over anything the checks produced.
    for (const auto& [k, id] : unconflicted)
        state[k] = id;
    return state;
}

} // namespace

StateIds resolve_state(const StateResInput& in) {
    return Resolver(in).run();
}

std::set<std::string> full_conflicted_set(const StateResInput& in) {
    std::set<std::string> full;
    Resolver(in).split(full);
    return full;
}

} // namespace myelin::event
