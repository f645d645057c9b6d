#include "push/evaluator.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace myelin::push {

namespace json = boost::json;

namespace {

// Glob tokens live above the Unicode range so a compiled pattern is just a u32string.
constexpr char32_t kAnyOne = 0x110000;
constexpr char32_t kAnyRun = 0x110001;

// "Case-insensitive" is implementation-defined: ASCII, Latin-1, Greek and Cyrillic capitals.
char32_t lower(char32_t c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F) return c + 0x50;
    return c;
}

// UTF-8 to case-folded code points, so `?` matches a character, not a byte. Bad bytes: U+FFFD.
std::u32string fold(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80           ? 1
                          : (b >> 5) == 0x6  ? 2
                          : (b >> 4) == 0xE  ? 3
                          : (b >> 3) == 0x1E ? 4
                                             : 0;
        char32_t c = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
        bool ok = len > 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            auto cb = static_cast<unsigned char>(s[i + k]);
            ok = (cb & 0xC0) == 0x80;
            c = (c << 6) | (cb & 0x3F);
        }
        if (!ok || c > 0x10FFFF) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(lower(c));
        i += len;
    }
    return out;
}

// `literal` is for display names, whose `*` and `?` are just characters.
std::u32string compile(std::string_view pattern, bool literal) {
    std::u32string out;
    for (char32_t c : fold(pattern)) {
        if (!literal && c == '*') {
            if (out.empty() || out.back() != kAnyRun) out.push_back(kAnyRun);
        } else {
            out.push_back(!literal && c == '?' ? kAnyOne : c);
        }
    }
    return out;
}

bool is_word(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Runs the pattern as an NFA over the text, its states a bitset (bit p: the first p tokens
// matched), so a step costs a few word operations per 64 pattern tokens: O(text * pattern/64),
// whatever the pattern, unlike a backtracking regex. Without `words` the whole text must
// match. With `words` any substring may, if it starts and ends at a word boundary: the text's
// edge, or a non-word character on either side of the cut (so "@room" is found in "x@room",
// but "alice" is not in "alicex"). A pattern without wildcards (display names, user
// localparts, most content rules: what every member of a fanned-out room evaluates) is a
// substring search instead, with the same result.
bool glob_match(const std::u32string& pat, const std::u32string& text, bool words) {
    const std::size_t m = pat.size(), n = text.size();
    auto boundary = [&](std::size_t i) {
        return i == 0 || i == n || !is_word(text[i - 1]) || !is_word(text[i]);
    };
    if (std::none_of(pat.begin(), pat.end(),
                     [](char32_t c) { return c == kAnyOne || c == kAnyRun; })) {
        if (!words) return pat == text;
        for (auto at = text.find(pat); at != std::u32string::npos; at = text.find(pat, at + 1))
            if (boundary(at) && boundary(at + m)) return true;
        return false;
    }
    using Bits = std::vector<std::uint64_t>;
    const std::size_t nw = (m + 1 + 63) / 64; // bits 0..m
    auto bit = [](Bits& b, std::size_t p) { b[p / 64] |= std::uint64_t{1} << (p % 64); };
    auto has = [](const Bits& b, std::size_t p) { return (b[p / 64] >> (p % 64)) & 1; };
    // Per-token masks: where a `*` stands, where `?` stands, and where each literal does.
    Bits run(nw), any(nw);
    std::vector<std::pair<char32_t, Bits>> literal;
    for (std::size_t p = 0; p < m; ++p) {
        if (pat[p] == kAnyRun) {
            bit(run, p);
        } else if (pat[p] == kAnyOne) {
            bit(any, p);
        } else {
            auto it = std::find_if(literal.begin(), literal.end(),
                                   [&](const auto& l) { return l.first == pat[p]; });
            if (it == literal.end()) it = literal.insert(literal.end(), {pat[p], Bits(nw)});
            bit(it->second, p);
        }
    }
    std::sort(literal.begin(), literal.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Bits cur(nw), next(nw);
    for (std::size_t i = 0;; ++i) {
        if (i == 0 || (words && boundary(i))) bit(cur, 0);
        // A `*` may match nothing: its state also stands for the one after it (consecutive
        // stars were merged when compiling, so one step reaches every such state).
        std::uint64_t carry = 0;
        for (std::size_t w = 0; w < nw; ++w) {
            auto s = cur[w] & run[w];
            cur[w] |= (s << 1) | carry;
            carry = s >> 63;
        }
        if (has(cur, m) && (words ? boundary(i) : i == n)) return true;
        if (i == n) return false;
        const Bits* lit = nullptr;
        auto found = std::lower_bound(literal.begin(), literal.end(), text[i],
                                      [](const auto& l, char32_t c) { return l.first < c; });
        if (found != literal.end() && found->first == text[i]) lit = &found->second;
        bool alive = false;
        carry = 0;
        for (std::size_t w = 0; w < nw; ++w) {
            auto step = cur[w] & (any[w] | (lit ? (*lit)[w] : 0));
            next[w] = (step << 1) | carry | (cur[w] & run[w]);
            carry = step >> 63;
            alive |= next[w] != 0;
        }
        if (!alive && !words) return false;
        std::swap(cur, next);
    }
}

// A dot-separated property path (spec appendix): `\.` and `\\` escape, other `\x` stay as is.
const json::value* lookup(const json::object& event, std::string_view key) {
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '\\' && i + 1 < key.size() && (key[i + 1] == '.' || key[i + 1] == '\\'))
            parts.back() += key[++i];
        else if (key[i] == '.')
            parts.emplace_back();
        else
            parts.back() += key[i];
    }
    const json::object* obj = &event;
    const json::value* v = nullptr;
    for (const auto& part : parts) {
        if (!obj || !(v = obj->if_contains(part))) return nullptr;
        obj = v->if_object();
    }
    return v;
}

std::optional<std::int64_t> as_int(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v.get_uint64());
    return std::nullopt;
}

// Exact equality of non-compound values; no casts between types, floats never equal.
bool scalar_equal(const json::value& a, const json::value& b) {
    if (a.is_string()) return b.is_string() && a.get_string() == b.get_string();
    if (a.is_bool()) return b.is_bool() && a.get_bool() == b.get_bool();
    if (a.is_null()) return b.is_null();
    auto x = as_int(a), y = as_int(b);
    return x && y && *x == *y;
}

bool member_count_is(std::string_view is, std::int64_t count) {
    std::string_view op = "==";
    for (std::string_view prefix : {"==", "<=", ">=", "<", ">"})
        if (is.starts_with(prefix)) {
            op = prefix;
            is.remove_prefix(prefix.size());
            break;
        }
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(is.data(), is.data() + is.size(), n);
    if (is.empty() || ec != std::errc{} || end != is.data() + is.size()) return false;
    if (op == "==") return count == n;
    if (op == "<=") return count <= n;
    if (op == ">=") return count >= n;
    if (op == "<") return count < n;
    return count > n;
}

std::string_view string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

bool is_placeholder(const json::value* v) {
    return v && v->is_string() &&
           (v->get_string() == "USER_ID" || v->get_string() == "USER_LOCALPART");
}

// Whether a condition's result depends on the recipient, with the shared template's
// placeholders (see SharedEvaluation).
bool depends_on_recipient(const json::object& c) {
    const std::string_view kind = string_at(c, "kind");
    if (kind == "contains_display_name") return true;
    if (kind == "event_match") return is_placeholder(c.if_contains("pattern"));
    if (kind == "event_property_is" || kind == "event_property_contains")
        return is_placeholder(c.if_contains("value"));
    return false;
}

bool uses_display_name(const json::object& rule) {
    const auto* conditions = rule.if_contains("conditions");
    if (!conditions || !conditions->is_array()) return false;
    for (const auto& c : conditions->get_array())
        if (const auto* o = c.if_object(); o && string_at(*o, "kind") == "contains_display_name")
            return true;
    return false;
}

struct Evaluation {
    const json::object& event;
    const PushContext& ctx;
    const PreparedEvent& prepared;
    const std::optional<std::u32string>& body; // folded content.body, if it is a string
    // Set while SharedEvaluation runs the rules for nobody in particular: conditions that
    // depend on the recipient count as false, and the rule holding one is noted here.
    bool* recipient_dependent = nullptr;

    // A compiled glob; shared by all recipients unless a placeholder made it theirs.
    mutable std::u32string own_glob{}; // a pattern with a placeholder, for this recipient
    const std::u32string& glob(std::string_view pattern) const {
        auto resolved = resolve(pattern);
        if (resolved.data() != pattern.data()) return own_glob = compile(resolved, false);
        auto it = prepared.patterns.find(std::string(pattern));
        if (it == prepared.patterns.end())
            it = prepared.patterns.emplace(std::string(pattern), compile(pattern, false)).first;
        return it->second;
    }
    // The folded string at a property path, once per event.
    const std::optional<std::u32string>& folded(std::string_view key) const {
        auto it = prepared.folded.find(std::string(key));
        if (it == prepared.folded.end()) {
            const auto* v = lookup(event, key);
            std::optional<std::u32string> f;
            if (v && v->is_string()) f = fold(v->get_string());
            it = prepared.folded.emplace(std::string(key), std::move(f)).first;
        }
        return it->second;
    }

    // The shared default ruleset names the recipient by placeholder (see PushContext).
    std::string_view resolve(std::string_view s) const {
        if (!ctx.placeholders) return s;
        if (s == "USER_ID") return ctx.user_id;
        if (s == "USER_LOCALPART") {
            auto colon = ctx.user_id.find(':');
            return std::string_view(ctx.user_id)
                .substr(1, colon == std::string::npos ? colon : colon - 1);
        }
        return s;
    }
    json::value resolve(const json::value& v) const {
        if (ctx.placeholders && v.is_string())
            return json::value(resolve(std::string_view(v.get_string())));
        return v;
    }

    bool holds(const json::value& condition) const {
        const auto* c = condition.if_object();
        if (!c) return false;
        if (recipient_dependent && depends_on_recipient(*c)) {
            *recipient_dependent = true;
            return false;
        }
        const std::string_view kind = string_at(*c, "kind");
        const auto* key = c->if_contains("key");
        const auto* value = c->if_contains("value");
        if (kind == "event_match") {
            const auto* pattern = c->if_contains("pattern");
            if (!key || !key->is_string() || !pattern || !pattern->is_string()) return false;
            const auto& compiled = glob(std::string_view(pattern->get_string()));
            if (key->get_string() == "content.body")
                return body && glob_match(compiled, *body, true);
            const auto& v = folded(key->get_string());
            return v && glob_match(compiled, *v, false);
        }
        if (kind == "event_property_is") {
            if (!key || !key->is_string() || !value) return false;
            const auto* v = lookup(event, key->get_string());
            return v && scalar_equal(*v, resolve(*value));
        }
        if (kind == "event_property_contains") {
            if (!key || !key->is_string() || !value) return false;
            const auto* v = lookup(event, key->get_string());
            if (!v || !v->is_array()) return false;
            auto wanted = resolve(*value);
            for (const auto& item : v->get_array())
                if (scalar_equal(item, wanted)) return true;
            return false;
        }
        if (kind == "contains_display_name")
            return !ctx.display_name.empty() && body &&
                   glob_match(compile(ctx.display_name, true), *body, true);
        if (kind == "room_member_count") {
            const auto* is = c->if_contains("is");
            return is && is->is_string() && member_count_is(is->get_string(), ctx.member_count);
        }
        if (kind == "sender_notification_permission") {
            if (!key || !key->is_string()) return false;
            auto it = ctx.notification_levels.find(std::string(key->get_string()));
            return ctx.sender_power >= (it == ctx.notification_levels.end() ? 50 : it->second);
        }
        return false; // unknown kinds never match
    }

    bool matches(std::string_view kind, const json::object& rule) const {
        const std::string_view id = string_at(rule, "rule_id");
        if (kind == "content") {
            const auto* pattern = rule.if_contains("pattern");
            if (recipient_dependent && ctx.placeholders && is_placeholder(pattern)) {
                *recipient_dependent = true;
                return false;
            }
            return pattern && pattern->is_string() && body &&
                   glob_match(glob(std::string_view(pattern->get_string())), *body, true);
        }
        if (kind == "room") return !id.empty() && id == string_at(event, "room_id");
        if (kind == "sender") return !id.empty() && id == string_at(event, "sender");
        const auto* conditions = rule.if_contains("conditions");
        if (!conditions) return true;
        if (!conditions->is_array()) return false;
        for (const auto& condition : conditions->get_array())
            if (!holds(condition)) return false;
        return true;
    }
};

bool enabled(const json::object& rule) {
    const auto* e = rule.if_contains("enabled");
    return !e || (e->is_bool() && e->get_bool());
}

PushOutcome outcome_of(const json::object& rule) {
    PushOutcome out;
    out.rule_id = std::string(string_at(rule, "rule_id"));
    const auto* actions = rule.if_contains("actions");
    if (!actions || !actions->is_array()) return out;
    // "dont_notify" and "coalesce" are historical and must be ignored, as must unknown actions.
    for (const auto& action : actions->get_array()) {
        if (action.is_string() && action.get_string() == "notify") out.notify = true;
        const auto* tweak = action.if_object();
        if (!tweak || string_at(*tweak, "set_tweak").empty()) continue;
        const auto* value = tweak->if_contains("value");
        out.tweaks[string_at(*tweak, "set_tweak")] = value ? *value : json::value(true);
    }
    if (!out.notify) {
        out.tweaks.clear();
        return out;
    }
    const auto* highlight = out.tweaks.if_contains("highlight");
    out.highlight = highlight && highlight->is_bool() && highlight->get_bool();
    return out;
}

// Deprecated since v1.7: enabled only for events without an m.mentions property.
bool is_legacy_mention_rule(std::string_view id) {
    return id == ".m.rule.contains_display_name" || id == ".m.rule.roomnotif" ||
           id == ".m.rule.contains_user_name";
}

} // namespace

PreparedEvent::PreparedEvent(const json::object& e)
    : event(e) {
    const json::object* content = nullptr;
    if (const auto* c = event.if_contains("content")) content = c->if_object();
    if (content)
        if (const auto* b = content->if_contains("body"); b && b->is_string())
            body = fold(b->get_string());
    has_mentions = content && content->contains("m.mentions");
}

PushOutcome evaluate(const json::object& ruleset, const json::object& event,
                     const PushContext& ctx) {
    return evaluate(ruleset, PreparedEvent(event), ctx);
}

namespace {
// The enabled rules in evaluation order (.m.rule.master first; legacy mention rules left out
// for events with m.mentions) until `visit(kind, rule)` returns true.
template <typename Visit>
void walk_rules(const json::object& ruleset, bool has_mentions, Visit&& visit) {
    auto rules_of = [&](std::string_view kind) -> const json::array* {
        const auto* v = ruleset.if_contains(kind);
        return v ? v->if_array() : nullptr;
    };
    // User override rules are stored ahead of the defaults, but the master rule outranks them.
    if (const auto* overrides = rules_of("override"))
        for (const auto& r : *overrides)
            if (const auto* rule = r.if_object();
                rule && string_at(*rule, "rule_id") == ".m.rule.master")
                if (enabled(*rule) && visit(std::string_view("override"), *rule)) return;

    for (std::string_view kind : {"override", "content", "room", "sender", "underride"}) {
        const auto* rules = rules_of(kind);
        if (!rules) continue;
        for (const auto& r : *rules) {
            const auto* rule = r.if_object();
            if (!rule || !enabled(*rule)) continue;
            const std::string_view id = string_at(*rule, "rule_id");
            if (id.empty() || id == ".m.rule.master") continue;
            if (has_mentions && is_legacy_mention_rule(id)) continue;
            if (visit(kind, *rule)) return;
        }
    }
}
} // namespace

PushOutcome evaluate(const json::object& ruleset, const PreparedEvent& prepared,
                     const PushContext& ctx) {
    const auto& event = prepared.event;
    if (string_at(event, "sender") == ctx.user_id) return {};
    Evaluation ev{event, ctx, prepared, prepared.body};
    PushOutcome out;
    walk_rules(ruleset, prepared.has_mentions, [&](std::string_view kind, const json::object& r) {
        if (!ev.matches(kind, r)) return false;
        out = outcome_of(r);
        return true;
    });
    return out;
}

SharedEvaluation::SharedEvaluation(const json::object& ruleset, const PreparedEvent& prepared,
                                   const PushContext& ctx)
    : event_(prepared) {
    PushContext nobody = ctx;
    nobody.user_id.clear();
    nobody.display_name.clear();
    Evaluation ev{prepared.event, nobody, prepared, prepared.body};
    bool dependent = false;
    ev.recipient_dependent = &dependent;
    walk_rules(ruleset, prepared.has_mentions, [&](std::string_view kind, const json::object& r) {
        dependent = false;
        if (ev.matches(kind, r)) {
            common_ = outcome_of(r);
            return true;
        }
        // This rule may match for some recipient; rules that matched for nobody here match
        // for nobody anywhere, as nothing else in their conditions names a recipient.
        if (dependent) {
            per_recipient_.emplace_back(kind, &r);
            // Any of its conditions, not only those evaluated here: a condition that failed
            // for nobody (a USER_ID pattern) stops the walk before a later contains_display_name
            // that holds for the recipient (found by fuzzing).
            if (uses_display_name(r)) needs_display_name_ = true;
        }
        return false;
    });
}

PushOutcome SharedEvaluation::evaluate(const PushContext& ctx) const {
    if (string_at(event_.event, "sender") == ctx.user_id) return {};
    Evaluation ev{event_.event, ctx, event_, event_.body};
    for (const auto& [kind, rule] : per_recipient_)
        if (ev.matches(kind, *rule)) return outcome_of(*rule);
    return common_;
}

} // namespace myelin::push
