#pragma once
// A user's push rules: the spec's defaults plus the user's changes, kept as the m.push_rules
// account data event (so sync carries them), and the /pushrules endpoints' operations.
#include "account/account_data.hpp"
#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace myelin::push {

class PushRuleService {
public:
    explicit PushRuleService(account::AccountDataService& data)
        : data_(data) {}

    boost::json::object ruleset(const std::string& user_id); // the "global" ruleset

    // The ruleset to evaluate events with. Users who never changed their rules share the
    // default template (placeholders = true: it names the user as "USER_ID"); changed rulesets
    // are cached until the next change.
    struct Evaluable {
        std::shared_ptr<const boost::json::object> rules;
        bool placeholders = false;
    };
    Evaluable evaluable(const std::string& user_id);
    boost::json::object rule(const std::string& user_id, const std::string& kind,
                             const std::string& rule_id);
    void put_rule(const std::string& user_id, const std::string& kind, const std::string& rule_id,
                  const boost::json::object& body, const std::optional<std::string>& before,
                  const std::optional<std::string>& after);
    void delete_rule(const std::string& user_id, const std::string& kind,
                     const std::string& rule_id);
    void set_enabled(const std::string& user_id, const std::string& kind,
                     const std::string& rule_id, bool enabled);
    void set_actions(const std::string& user_id, const std::string& kind,
                     const std::string& rule_id, const boost::json::array& actions);
    // Another process may have changed the user's rules: read them again when next needed
    // (and count the user as possibly customised, so that the store is asked).
    void forget(const std::string& user_id) {
        cache_.erase(user_id);
        if (customised_) customised_->insert(user_id);
    }

private:
    void save(const std::string& user_id, const boost::json::object& ruleset);
    // Loads the ruleset, finds the rule (404 if absent), applies `edit`, saves.
    void edit_rule(const std::string& user_id, const std::string& kind, const std::string& rule_id,
                   const std::function<void(boost::json::array&, std::size_t)>& edit);
    account::AccountDataService& data_;
    // user → their changed ruleset, or null when they use the defaults.
    std::unordered_map<std::string, std::shared_ptr<const boost::json::object>> cache_;
    // Who has stored rules at all, read once: everyone else uses the defaults without a query
    // (the first message to a room of 10,000 would otherwise read 10,000 rulesets).
    std::optional<std::unordered_set<std::string>> customised_;
};

} // namespace myelin::push
