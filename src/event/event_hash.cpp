#include "event/event_hash.hpp"

#include "event/canonical_json.hpp"
#include "event/redaction.hpp"
#include "event/signing_key.hpp"
#include "util/base64.hpp"
#include <sodium.h>

namespace myelin::event {

namespace json = boost::json;

namespace {
std::string sha256(std::string_view bytes) {
    std::string out(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return out;
}
} // namespace

std::string content_hash_base64(const json::object& event) {
    json::object copy = event;
    copy.erase("unsigned");
    copy.erase("signatures");
    copy.erase("hashes");
    return util::base64_encode(sha256(canonical_json(copy)));
}

void add_content_hash(json::object& event) {
    event["hashes"] = json::object{{"sha256", content_hash_base64(event)}};
}

std::string reference_hash(const json::object& event, const RoomVersion& v) {
    auto redacted = redact_event(event, v);
    redacted.erase("signatures");
    redacted.erase("unsigned");
    return sha256(canonical_json(redacted));
}

std::string event_id_for(const json::object& event, const RoomVersion& v) {
    return "$" + util::base64url_encode(reference_hash(event, v));
}

std::string room_id_for_create_event(const json::object& create, const RoomVersion& v) {
    return "!" + util::base64url_encode(reference_hash(create, v));
}

void sign_event(json::object& event, const SigningKey& key, const std::string& server_name,
                const RoomVersion& v) {
    auto redacted = redact_event(event, v);
    key.sign_json(redacted, server_name);
    event["signatures"] = redacted["signatures"];
}

} // namespace myelin::event
