#pragma once
// Push rule evaluation ("Push Rules" in the client-server spec): decides whether an event
// notifies a user, and whether it is highlighted, from that user's ruleset.
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::push {

// What evaluation needs to know about the recipient and the room besides the event itself.
struct PushContext {
    std::string user_id;           // the recipient
    std::string display_name;      // recipient's display name in the room ("" if none)
    std::int64_t member_count = 0; // joined members of the room
    std::int64_t sender_power = 0; // the sender's power level in the room
    // power_levels.notifications; a key missing here needs 50.
    std::map<std::string, std::int64_t> notification_levels{{"room", 50}};
    // The ruleset is the shared default template: its "USER_ID" and "USER_LOCALPART" strings
    // stand for this recipient. Saves building a ruleset per member for every event.
    bool placeholders = false;
};

struct PushOutcome {
    bool notify = false;
    bool highlight = false;             // only ever true when notify is
    std::optional<std::string> rule_id; // the first enabled rule that matched, if any
    boost::json::object tweaks;         // the matched rule's set_tweak values, when notify
};

// An event prepared once for evaluation against many recipients' rules: its body is
// case-folded here rather than once per recipient.
class PreparedEvent {
public:
    explicit PreparedEvent(const boost::json::object& event);
    const boost::json::object& event;
    std::optional<std::u32string> body; // folded content.body, if it is a string
    bool has_mentions = false;          // content has m.mentions (legacy mention rules off)
    // What every recipient's rules would compute again: compiled patterns that name no one in
    // particular, and folded values of event properties. Filled as evaluation asks.
    mutable std::unordered_map<std::string, std::u32string> patterns;
    mutable std::unordered_map<std::string, std::optional<std::u32string>> folded;
};

// `ruleset` is the "global" ruleset {override, content, room, sender, underride}; `event` is in
// client format (type, content, sender, state_key, room_id, ...). Rules are tried in that kind
// order, .m.rule.master first of all; the first enabled rule that matches decides. The
// recipient's own events never notify. Malformed rules or conditions never match.
PushOutcome evaluate(const boost::json::object& ruleset, const boost::json::object& event,
                     const PushContext& ctx);
PushOutcome evaluate(const boost::json::object& ruleset, const PreparedEvent& event,
                     const PushContext& ctx);

// One event against a ruleset many recipients share (the default template): the rules are
// run once with every condition that depends on the recipient (a USER_ID or USER_LOCALPART
// placeholder, contains_display_name) taken as false. That gives the outcome for everyone
// whom no such condition concerns, and the few rules, before the deciding one, that hold
// such a condition: only those are tried per recipient. A message to 10,000 members thus
// runs three rules per member instead of every rule. Same results as evaluate().
class SharedEvaluation {
public:
    // `ctx` as for evaluate() but for the recipient fields (user_id, display_name), which are
    // ignored here; the ruleset must outlive this object.
    SharedEvaluation(const boost::json::object& ruleset, const PreparedEvent& event,
                     const PushContext& ctx);
    PushOutcome evaluate(const PushContext& ctx) const;
    // Whether evaluate() needs the recipient's display name (else it may be left empty).
    bool needs_display_name() const { return needs_display_name_; }

private:
    const PreparedEvent& event_;
    PushOutcome common_;
    std::vector<std::pair<std::string_view, const boost::json::object*>> per_recipient_;
    bool needs_display_name_ = false;
};

} // namespace myelin::push
