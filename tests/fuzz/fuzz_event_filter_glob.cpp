// Filters (EventFilter, SyncFilter, event_fields) and the type glob. Invariants:
//  - parse either accepts or throws MatrixError; what it accepts respects its own bounds
//    (limit >= 0, lists of at most 1000 entries of at most 255 bytes, senders/rooms sorted);
//  - every type pattern matches itself with its stars removed, and EventFilter::matches agrees
//    with type_matches for types / not_types;
//  - apply_event_fields keeps a subset of the event, never invents a value;
//  - type_matches(pattern, type), the input cut in two, equals a reference dynamic-programming
//    matcher (and, run under -timeout, stays fast: the recursive matcher it replaced was
//    exponential in the number of '*').
#include "fuzz_common.hpp"
#include "room/event.hpp"
#include "room/event_filter.hpp"
#include "sync/sync_filter.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace json = boost::json;
using myelin::room::EventFilter;
using myelin::room::type_matches;

namespace {

// '*' matches any run of bytes, everything else itself. O(|p| * |t|).
bool reference_glob(std::string_view p, std::string_view t) {
    std::vector<char> row(t.size() + 1, 0), next(t.size() + 1);
    row[0] = 1; // empty pattern matches empty text
    for (char pc : p) {
        std::fill(next.begin(), next.end(), 0);
        for (std::size_t j = 0; j <= t.size(); ++j) {
            if (pc == '*')
                next[j] = row[j] || (j > 0 && next[j - 1]);
            else
                next[j] = j > 0 && row[j - 1] && t[j - 1] == pc;
        }
        std::swap(row, next);
    }
    return row[t.size()];
}

std::string without_stars(std::string_view p) {
    std::string s(p);
    std::erase(s, '*');
    return s;
}

myelin::room::Event event_of(std::string type, std::string sender, json::object content) {
    myelin::room::Event e;
    e.row.type = std::move(type);
    e.row.sender = std::move(sender);
    e.row.room_id = "!room:example.org";
    e.pdu = {{"type", e.row.type},
             {"sender", e.row.sender},
             {"room_id", e.row.room_id},
             {"content", std::move(content)}};
    return e;
}

void check_list(const std::vector<std::string>& l, bool must_be_sorted) {
    FUZZ_CHECK(l.size() <= 1000);
    for (const auto& s : l)
        FUZZ_CHECK(s.size() <= 255);
    if (must_be_sorted) FUZZ_CHECK(std::is_sorted(l.begin(), l.end()));
}

void check_event_filter(const EventFilter& f) {
    FUZZ_CHECK(!f.limit || *f.limit >= 0);
    if (f.types) check_list(*f.types, false);
    if (f.senders) check_list(*f.senders, true);
    if (f.rooms) check_list(*f.rooms, true);
    check_list(f.not_types, false);
    check_list(f.not_senders, true);
    check_list(f.not_rooms, true);

    std::vector<std::string> types;
    if (f.types) types = *f.types;
    types.insert(types.end(), f.not_types.begin(), f.not_types.end());
    if (types.size() > 16) types.resize(16);
    types.push_back("m.room.message");
    for (const auto& p : types) {
        FUZZ_CHECK(type_matches(p, without_stars(p)));
        auto type = without_stars(p);
        auto e = event_of(type, "@bob:example.org", {{"url", "mxc://x/y"}});
        bool excluded = std::any_of(f.not_types.begin(), f.not_types.end(),
                                    [&](const auto& n) { return type_matches(n, type); });
        bool included =
            !f.types || std::any_of(f.types->begin(), f.types->end(),
                                    [&](const auto& t) { return type_matches(t, type); });
        bool sender_ok =
            !std::binary_search(f.not_senders.begin(), f.not_senders.end(), e.sender()) &&
            (!f.senders || std::binary_search(f.senders->begin(), f.senders->end(), e.sender()));
        bool url_ok = !f.contains_url || *f.contains_url;
        FUZZ_CHECK(f.matches(e) == (!excluded && included && sender_ok && url_ok));
    }
    (void)f.matches_room("!room:example.org");
}

// Every leaf of `sub` is in `full` at the same path with the same value.
bool subset(const json::object& sub, const json::object& full) {
    for (const auto& kv : sub) {
        const auto* v = full.if_contains(kv.key());
        if (!v) return false;
        if (kv.value().is_object() && v->is_object()) {
            if (!subset(kv.value().get_object(), v->get_object())) return false;
        } else if (kv.value() != *v) {
            return false;
        }
    }
    return true;
}

void check_filters(std::string_view input) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.max_depth = myelin::json_fields::kMaxBodyDepth;
    auto v = json::parse(input, ec, {}, opts);
    if (ec || !v.is_object()) {
        try {
            (void)EventFilter::parse_param(std::string(input));
            FUZZ_CHECK(false); // parse_param must refuse what is not a JSON object
        } catch (const myelin::MatrixError& e) {
            FUZZ_CHECK(e.errcode() == "M_NOT_JSON");
        }
        return;
    }
    const auto& o = v.get_object();
    try {
        check_event_filter(EventFilter::parse(o));
    } catch (const myelin::MatrixError& e) {
        FUZZ_CHECK(e.status() == 400);
    }
    try {
        auto f = myelin::sync::SyncFilter::parse(o);
        FUZZ_CHECK(f.timeline_limit() >= 0);
        FUZZ_CHECK(f.event_format == "client" || f.event_format == "federation");
        for (const auto* sub : {&f.rooms, &f.timeline, &f.state, &f.ephemeral, &f.room_account_data,
                                &f.account_data, &f.presence})
            check_event_filter(*sub);
        if (f.event_fields) {
            json::object event{
                {"type", "m.room.message"},
                {"event_id", "$abc"},
                {"sender", "@bob:example.org"},
                {"content", {{"body", "hi"}, {"msgtype", "m.text"}, {"a.b", {{"c", 1}}}}},
                {"unsigned", {{"age", 5}}}};
            auto kept = myelin::sync::apply_event_fields(event, *f.event_fields);
            FUZZ_CHECK(subset(kept, event));
        }
    } catch (const myelin::MatrixError& e) {
        FUZZ_CHECK(e.status() == 400);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    auto input = fuzz::as_view(data, size);
    check_filters(input);

    // The glob: the first byte says where to cut the rest into pattern and type.
    if (size < 1) return 0;
    auto rest = input.substr(1);
    std::size_t cut = std::min<std::size_t>(data[0], rest.size());
    if (auto nul = rest.find('\0'); nul != std::string_view::npos) cut = nul; // seeds: "p\0t"
    auto pattern = rest.substr(0, cut);
    auto type = rest.substr(std::min(cut + 1, rest.size()));
    bool got = type_matches(pattern, type);
    if (pattern.size() * type.size() <= 1'000'000) FUZZ_CHECK(got == reference_glob(pattern, type));
    // The other way round too: the type as a pattern.
    bool rev = type_matches(type, pattern);
    if (pattern.size() * type.size() <= 1'000'000) FUZZ_CHECK(rev == reference_glob(type, pattern));
    return 0;
}
