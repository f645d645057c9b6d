// JSON ingress (json_fields::parse_object, what every request body goes through) and canonical
// JSON (what hashes and signatures are computed over). Invariants:
//  - parse_object either returns an object or throws MatrixError (M_NOT_JSON / M_BAD_JSON);
//  - canonical_json succeeds exactly when fits_canonical_json says so;
//  - its output parses back to an equal value, is a fixed point, has strictly sorted keys, no
//    whitespace outside strings and only the escapes JSON requires;
//  - parse_stored reads back what canonical_json wrote;
//  - util::valid_utf8 agrees with an independent validator, and base64 round-trips.
#include "event/canonical_json.hpp"
#include "fuzz_common.hpp"
#include "util/base64.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/utf8.hpp"

#include <string>

namespace json = boost::json;
using myelin::event::canonical_json;

namespace {

bool keys_sorted(const json::value& v) {
    if (const auto* a = v.if_array()) {
        for (const auto& x : *a)
            if (!keys_sorted(x)) return false;
        return true;
    }
    if (const auto* o = v.if_object()) {
        // json::object keeps the order a parser met the keys in.
        std::string_view last;
        bool first = true;
        for (const auto& kv : *o) {
            if (!first && !(last < std::string_view(kv.key()))) return false;
            if (!keys_sorted(kv.value())) return false;
            last = kv.key();
            first = false;
        }
        return true;
    }
    return true;
}

// No whitespace between tokens; inside strings only \" \\ \b \f \n \r \t and \u00XX below 0x20.
void check_canonical_text(std::string_view c) {
    bool in_string = false;
    for (std::size_t i = 0; i < c.size(); ++i) {
        char ch = c[i];
        if (!in_string) {
            FUZZ_CHECK(ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t');
            if (ch == '"') in_string = true;
            continue;
        }
        FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20);
        if (ch == '"') {
            in_string = false;
        } else if (ch == '\\') {
            FUZZ_CHECK(i + 1 < c.size());
            char e = c[++i];
            FUZZ_CHECK(std::string_view("\"\\bfnrtu").find(e) != std::string_view::npos);
            if (e == 'u') {
                FUZZ_CHECK(i + 4 < c.size() && c[i + 1] == '0' && c[i + 2] == '0' &&
                           (c[i + 3] == '0' || c[i + 3] == '1'));
                auto code = std::stoi(std::string(c.substr(i + 1, 4)), nullptr, 16);
                FUZZ_CHECK(code != '\b' && code != '\f' && code != '\n' && code != '\r' &&
                           code != '\t');
                i += 4;
            }
        }
    }
    FUZZ_CHECK(!in_string);
}

void check_base64(std::string_view input) {
    auto decoded = myelin::util::base64_decode(input);
    if (!decoded) return;
    auto std64 = myelin::util::base64_encode(*decoded);
    auto url64 = myelin::util::base64url_encode(*decoded);
    FUZZ_CHECK(std64.size() == (decoded->size() * 4 + 2) / 3);
    FUZZ_CHECK(std64.find('=') == std::string::npos);
    FUZZ_CHECK(myelin::util::base64_decode(std64) == decoded);
    FUZZ_CHECK(myelin::util::base64_decode(url64) == decoded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto input = fuzz::as_view(data, size);
    FUZZ_CHECK(myelin::util::valid_utf8(input) == fuzz::reference_utf8(input));
    if (size <= 4096) check_base64(input);

    json::object obj;
    try {
        obj = myelin::json_fields::parse_object(input);
    } catch (const myelin::MatrixError& e) {
        FUZZ_CHECK(e.status() == 400);
        FUZZ_CHECK(e.errcode() == "M_NOT_JSON" || e.errcode() == "M_BAD_JSON");
        return 0;
    }
    const json::value v = obj;
    const bool fits = myelin::event::fits_canonical_json(v);
    std::string c;
    try {
        c = canonical_json(v);
    } catch (const myelin::event::CanonicalJsonError&) {
        FUZZ_CHECK(!fits);
        return 0;
    }
    FUZZ_CHECK(fits);
    std::string appended = "x";
    myelin::event::append_canonical_json(appended, v);
    FUZZ_CHECK(appended == "x" + c);

    check_canonical_text(c);
    json::parse_options opts;
    opts.max_depth = myelin::json_fields::kMaxStoredDepth;
    boost::system::error_code ec;
    auto back = json::parse(c, ec, {}, opts);
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(fuzz::same_json(v, back));
    FUZZ_CHECK(keys_sorted(back));
    FUZZ_CHECK(canonical_json(back) == c);
    FUZZ_CHECK(fuzz::same_json(myelin::json_fields::parse_stored(c), v));
    // Accepted again as a request body (a client may send back what it was given).
    FUZZ_CHECK(canonical_json(myelin::json_fields::parse_object(c)) == c);
    return 0;
}
