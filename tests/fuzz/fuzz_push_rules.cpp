// Push rule evaluation (src/push/evaluator.hpp) with a fuzzed ruleset, event and recipient.
// Input: a JSON object {"ruleset": {...}, "event": {...}, "user_id", "display_name",
// "member_count", "sender_power", "notification_levels", "glob": [pattern, text]}; any part
// may be missing (then the default ruleset template, or the whole input as the event).
// Invariants:
//  - highlight only with notify, tweaks only with notify, the recipient's own events never notify;
//  - SharedEvaluation gives what evaluate() gives (its documented promise), also without the
//    display name when it says it does not need it;
//  - a ruleset with placeholders (placeholders = true) decides as the same ruleset with
//    USER_ID / USER_LOCALPART written out; the default template as default_ruleset(user);
//  - for ASCII pattern and text, event_match and content rules agree with a reference glob
//    ('*' any run, '?' one character, case-insensitive; content.body matches on word bounds).
#include "fuzz_common.hpp"
#include "push/default_rules.hpp"
#include "push/evaluator.hpp"
#include "util/json_fields.hpp"

#include <cctype>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace myelin::push;

namespace {

bool same(const PushOutcome& a, const PushOutcome& b) {
    return a.notify == b.notify && a.highlight == b.highlight && a.rule_id == b.rule_id &&
           a.tweaks == b.tweaks;
}

void check_outcome(const PushOutcome& o) {
    if (o.highlight) FUZZ_CHECK(o.notify);
    if (!o.notify) FUZZ_CHECK(o.tweaks.empty());
}

std::string localpart(const std::string& user_id) {
    auto colon = user_id.find(':');
    return user_id.substr(1, colon == std::string::npos ? colon : colon - 1);
}

void substitute(json::value& v, const std::string& user_id) {
    if (!v.is_string()) return;
    if (v.get_string() == "USER_ID")
        v = user_id;
    else if (v.get_string() == "USER_LOCALPART")
        v = localpart(user_id);
}

// The ruleset with its placeholders written out where evaluation resolves them: a rule's
// pattern (content rules), a condition's pattern and value.
json::object written_out(json::object ruleset, const std::string& user_id) {
    for (auto& kind : ruleset) {
        if (!kind.value().is_array()) continue;
        for (auto& r : kind.value().get_array()) {
            auto* rule = r.if_object();
            if (!rule) continue;
            if (auto* p = rule->if_contains("pattern")) substitute(*p, user_id);
            auto* conditions = rule->if_contains("conditions");
            if (!conditions || !conditions->is_array()) continue;
            for (auto& c : conditions->get_array())
                if (auto* co = c.if_object()) {
                    if (auto* p = co->if_contains("pattern")) substitute(*p, user_id);
                    if (auto* p = co->if_contains("value")) substitute(*p, user_id);
                }
        }
    }
    return ruleset;
}

// Whole-text match of an ASCII glob, case-insensitively.
bool glob_at(std::string_view p, std::string_view t) {
    std::vector<char> row(t.size() + 1, 0), next(t.size() + 1);
    row[0] = 1;
    for (char pc : p) {
        for (std::size_t j = 0; j <= t.size(); ++j) {
            if (pc == '*')
                next[j] = row[j] || (j > 0 && next[j - 1]);
            else
                next[j] = j > 0 && row[j - 1] &&
                          (pc == '?' || std::tolower(static_cast<unsigned char>(pc)) ==
                                            std::tolower(static_cast<unsigned char>(t[j - 1])));
        }
        std::swap(row, next);
    }
    return row[t.size()];
}

bool word(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Some substring between word boundaries matches.
bool glob_words(std::string_view p, std::string_view t) {
    auto boundary = [&](std::size_t i) {
        return i == 0 || i == t.size() || !word(t[i - 1]) || !word(t[i]);
    };
    for (std::size_t i = 0; i <= t.size(); ++i)
        for (std::size_t j = i; j <= t.size(); ++j)
            if (boundary(i) && boundary(j) && glob_at(p, t.substr(i, j - i))) return true;
    return false;
}

bool ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

void check_glob(std::string_view p, std::string_view t, const PushContext& ctx) {
    if (!ascii(p) || !ascii(t) || p.size() > 48 || t.size() > 48) return;
    json::object event{{"type", "m.room.message"},
                       {"sender", "@bob:example.org"},
                       {"room_id", "!r:example.org"},
                       {"content", {{"body", t}, {"v", t}}}};
    json::object match_rule{
        {"rule_id", "g"},
        {"conditions",
         json::array{{{"kind", "event_match"}, {"key", "content.v"}, {"pattern", p}}}},
        {"actions", json::array{"notify"}}};
    json::object body_rule{
        {"rule_id", "b"},
        {"conditions",
         json::array{{{"kind", "event_match"}, {"key", "content.body"}, {"pattern", p}}}},
        {"actions", json::array{"notify"}}};
    json::object content_rule{{"rule_id", "c"}, {"pattern", p}, {"actions", json::array{"notify"}}};
    PushContext plain = ctx;
    plain.placeholders = false;
    bool whole = glob_at(p, t), words = glob_words(p, t);
    auto rid = [&](json::object ruleset) {
        return evaluate(ruleset, event, plain).rule_id.value_or("");
    };
    FUZZ_CHECK((rid({{"override", json::array{match_rule}}}) == "g") == whole);
    FUZZ_CHECK((rid({{"override", json::array{body_rule}}}) == "b") == words);
    FUZZ_CHECK((rid({{"content", json::array{content_rule}}}) == "c") == words);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = myelin::json_fields::kMaxBodyDepth;
    auto v = json::parse(fuzz::as_view(data, size), ec, {}, opts);
    if (ec || !v.is_object()) return 0;
    const auto& in = v.get_object();

    PushContext ctx;
    ctx.user_id = "@alice:example.org";
    if (const auto* u = in.if_contains("user_id");
        u && u->is_string() && u->get_string().starts_with("@"))
        ctx.user_id = u->get_string();
    if (const auto* d = in.if_contains("display_name"); d && d->is_string())
        ctx.display_name = d->get_string();
    if (const auto* m = in.if_contains("member_count"); m && m->is_int64())
        ctx.member_count = m->get_int64();
    if (const auto* p = in.if_contains("sender_power"); p && p->is_int64())
        ctx.sender_power = p->get_int64();
    if (const auto* n = in.if_contains("notification_levels"); n && n->is_object()) {
        ctx.notification_levels.clear();
        for (const auto& kv : n->get_object())
            if (kv.value().is_int64()) ctx.notification_levels[kv.key()] = kv.value().get_int64();
    }
    ctx.placeholders = true;

    const auto* r = in.if_contains("ruleset");
    const json::object& ruleset =
        r && r->is_object() ? r->get_object() : default_ruleset_template();
    const auto* e = in.if_contains("event");
    const json::object& event = e && e->is_object() ? e->get_object() : in;

    PreparedEvent prepared(event);
    auto out = evaluate(ruleset, prepared, ctx);
    check_outcome(out);
    const auto* sender = event.if_contains("sender");
    if (sender && sender->is_string() && sender->get_string() == ctx.user_id)
        FUZZ_CHECK(!out.notify && !out.rule_id);

    SharedEvaluation shared(ruleset, prepared, ctx);
    FUZZ_CHECK(same(shared.evaluate(ctx), out));
    if (!shared.needs_display_name()) {
        PushContext nameless = ctx;
        nameless.display_name.clear();
        FUZZ_CHECK(same(shared.evaluate(nameless), out));
    }
    // A fresh PreparedEvent (nothing cached yet) decides the same.
    FUZZ_CHECK(same(evaluate(ruleset, event, ctx), out));

    PushContext plain = ctx;
    plain.placeholders = false;
    FUZZ_CHECK(same(evaluate(written_out(ruleset, ctx.user_id), event, plain), out));
    if (&ruleset == &default_ruleset_template())
        FUZZ_CHECK(same(evaluate(default_ruleset(ctx.user_id), event, plain),
                        evaluate(default_ruleset_template(), event, ctx)));

    if (const auto* g = in.if_contains("glob"); g && g->is_array() && g->get_array().size() == 2 &&
                                                g->get_array()[0].is_string() &&
                                                g->get_array()[1].is_string())
        check_glob(g->get_array()[0].get_string(), g->get_array()[1].get_string(), ctx);
    return 0;
}
