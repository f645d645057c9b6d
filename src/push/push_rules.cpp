#include "push/push_rules.hpp"

#include "push/default_rules.hpp"
#include "util/matrix_error.hpp"

namespace myelin::push {

namespace json = boost::json;

namespace {
const char* const kKinds[] = {"override", "content", "room", "sender", "underride"};

void check_kind(const std::string& kind) {
    for (const char* k : kKinds)
        if (kind == k) return;
    throw invalid_param("Unknown push rule kind '" + kind + "'");
}

json::array& rules_of(json::object& ruleset, const std::string& kind) {
    auto& v = ruleset[kind];
    if (!v.is_array()) v = json::array{};
    return v.as_array();
}

std::ptrdiff_t find_rule(const json::array& rules, const std::string& id) {
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (rules[i].is_object())
            if (auto* r = rules[i].get_object().if_contains("rule_id");
                r && r->is_string() && r->get_string() == id)
                return static_cast<std::ptrdiff_t>(i);
    return -1;
}

void check_actions(const json::value& actions) {
    if (!actions.is_array()) throw bad_json("actions must be a list");
    for (const auto& a : actions.get_array()) {
        if (a.is_string()) {
            auto s = a.get_string();
            if (s != "notify" && s != "dont_notify" && s != "coalesce")
                throw MatrixError(400, errcode::unknown, "Unknown action " + std::string(s));
        } else if (!a.is_object() || !a.get_object().contains("set_tweak")) {
            throw bad_json("actions must be strings or set_tweak objects");
        }
    }
}
// Every rule of every recipient is evaluated against every message, on the event loop: a
// user's own rules are bounded in number, in conditions and in pattern length (the evaluator
// is linear in each, so these bounds cap what one message can cost).
constexpr std::size_t kMaxRuleIdBytes = 255;
constexpr std::size_t kMaxUserRules = 500;
constexpr std::size_t kMaxConditions = 20;
constexpr std::size_t kMaxPatternBytes = 1000;

void check_pattern(std::string_view pattern) {
    if (pattern.size() > kMaxPatternBytes)
        throw invalid_param("A push rule pattern is at most 1000 bytes");
}

void check_conditions(const json::array& conditions) {
    if (conditions.size() > kMaxConditions)
        throw invalid_param("A push rule has at most 20 conditions");
    for (const auto& c : conditions) {
        if (!c.is_object()) throw bad_json("conditions must be objects");
        for (const char* key : {"pattern", "key", "value", "is"})
            if (const auto* v = c.get_object().if_contains(key); v && v->is_string())
                check_pattern(v->get_string());
    }
}

std::size_t user_rule_count(const json::object& ruleset) {
    std::size_t n = 0;
    for (const char* k : kKinds)
        if (const auto* rules = ruleset.if_contains(k); rules && rules->is_array())
            for (const auto& r : rules->get_array())
                if (const auto* d = r.is_object() ? r.get_object().if_contains("default") : nullptr;
                    d && d->is_bool() && !d->get_bool())
                    ++n;
    return n;
}
} // namespace

json::object PushRuleService::ruleset(const std::string& user_id) {
    if (auto stored = data_.get(user_id, "", "m.push_rules"))
        if (auto* g = stored->if_contains("global"); g && g->is_object()) return g->get_object();
    return default_ruleset(user_id);
}

PushRuleService::Evaluable PushRuleService::evaluable(const std::string& user_id) {
    static const auto shared_default =
        std::shared_ptr<const json::object>(&default_ruleset_template(), [](auto*) {});
    if (!customised_) {
        customised_.emplace();
        for (auto& u : data_.owners("", "m.push_rules"))
            customised_->insert(std::move(u));
    }
    auto it = cache_.find(user_id);
    if (it == cache_.end()) {
        std::shared_ptr<const json::object> custom;
        if (!customised_->count(user_id)) return {shared_default, true};
        if (auto stored = data_.get(user_id, "", "m.push_rules"))
            if (auto* g = stored->if_contains("global"); g && g->is_object())
                custom = std::make_shared<const json::object>(g->get_object());
        it = cache_.emplace(user_id, std::move(custom)).first;
    }
    if (it->second) return {it->second, false};
    return {shared_default, true};
}

void PushRuleService::save(const std::string& user_id, const json::object& ruleset) {
    cache_.erase(user_id);
    if (customised_) customised_->insert(user_id);
    data_.put_managed(user_id, "", "m.push_rules", json::object{{"global", ruleset}});
}

json::object PushRuleService::rule(const std::string& user_id, const std::string& kind,
                                   const std::string& rule_id) {
    check_kind(kind);
    auto rs = ruleset(user_id);
    auto& rules = rules_of(rs, kind);
    auto i = find_rule(rules, rule_id);
    if (i < 0) throw not_found("Unknown push rule");
    return rules[static_cast<std::size_t>(i)].as_object();
}

void PushRuleService::put_rule(const std::string& user_id, const std::string& kind,
                               const std::string& rule_id, const json::object& body,
                               const std::optional<std::string>& before,
                               const std::optional<std::string>& after) {
    check_kind(kind);
    if (rule_id.empty() || rule_id.front() == '.')
        throw invalid_param("Rule ids starting with '.' are reserved for server-default rules");
    if (rule_id.find('/') != std::string::npos || rule_id.find('\\') != std::string::npos)
        throw invalid_param("Rule ids may not contain '/' or '\\'");
    if (rule_id.size() > kMaxRuleIdBytes) throw invalid_param("Rule ids are at most 255 bytes");
    const auto* actions = body.if_contains("actions");
    if (!actions) throw missing_param("Missing 'actions'");
    check_actions(*actions);
    json::object rule{
        {"rule_id", rule_id}, {"default", false}, {"enabled", true}, {"actions", *actions}};
    if (kind == "override" || kind == "underride") {
        const auto* conds = body.if_contains("conditions");
        if (conds && !conds->is_array()) throw bad_json("conditions must be a list");
        if (conds) check_conditions(conds->get_array());
        rule["conditions"] = conds ? *conds : json::array{};
    } else if (kind == "content") {
        const auto* pattern = body.if_contains("pattern");
        if (!pattern || !pattern->is_string())
            throw missing_param("Content rules need a 'pattern'");
        check_pattern(pattern->get_string());
        rule["pattern"] = *pattern;
    }
    auto rs = ruleset(user_id);
    auto& rules = rules_of(rs, kind);
    if (auto i = find_rule(rules, rule_id); i >= 0) rules.erase(rules.begin() + i);
    if (user_rule_count(rs) >= kMaxUserRules)
        throw MatrixError(400, errcode::resource_limit_exceeded,
                          "A user may have at most 500 push rules of their own");
    // User rules go before the server-default rules of their kind unless placed explicitly.
    std::size_t pos = 0;
    while (pos < rules.size() && !rules[pos].as_object().at("default").as_bool())
        ++pos;
    if (before || after) {
        auto anchor = find_rule(rules, before ? *before : *after);
        if (anchor < 0) throw not_found("The 'before'/'after' rule does not exist");
        if (rules[static_cast<std::size_t>(anchor)].as_object().at("default").as_bool())
            throw MatrixError(400, errcode::unknown,
                              "Cannot place a rule relative to a default rule");
        pos = static_cast<std::size_t>(anchor) + (before ? 0 : 1);
    }
    rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(pos), std::move(rule));
    save(user_id, rs);
}

void PushRuleService::edit_rule(const std::string& user_id, const std::string& kind,
                                const std::string& rule_id,
                                const std::function<void(json::array&, std::size_t)>& edit) {
    check_kind(kind);
    auto rs = ruleset(user_id);
    auto& rules = rules_of(rs, kind);
    auto i = find_rule(rules, rule_id);
    if (i < 0) throw not_found("Unknown push rule");
    edit(rules, static_cast<std::size_t>(i));
    save(user_id, rs);
}

void PushRuleService::delete_rule(const std::string& user_id, const std::string& kind,
                                  const std::string& rule_id) {
    edit_rule(user_id, kind, rule_id, [](json::array& rules, std::size_t i) {
        if (rules[i].as_object().at("default").as_bool())
            throw MatrixError(400, errcode::unknown, "Server-default rules cannot be deleted");
        rules.erase(rules.begin() + static_cast<std::ptrdiff_t>(i));
    });
}

void PushRuleService::set_enabled(const std::string& user_id, const std::string& kind,
                                  const std::string& rule_id, bool enabled) {
    edit_rule(user_id, kind, rule_id, [enabled](json::array& rules, std::size_t i) {
        rules[i].as_object()["enabled"] = enabled;
    });
}

void PushRuleService::set_actions(const std::string& user_id, const std::string& kind,
                                  const std::string& rule_id, const json::array& actions) {
    check_actions(actions);
    edit_rule(user_id, kind, rule_id, [&actions](json::array& rules, std::size_t i) {
        rules[i].as_object()["actions"] = actions;
    });
}

} // namespace myelin::push
