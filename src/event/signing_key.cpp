#include "event/signing_key.hpp"

#include "event/canonical_json.hpp"
#include "util/base64.hpp"
#include "util/random.hpp"
#include <sodium.h>
#include <stdexcept>

namespace myelin::event {

namespace json = boost::json;

namespace {
// sodium_init() is idempotent and thread-safe; doing it once here keeps it off the hot path.
void ensure_sodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

std::string signable_bytes(const json::object& obj) {
    json::object copy = obj;
    copy.erase("signatures");
    copy.erase("unsigned");
    return canonical_json(copy);
}
} // namespace

SigningKey SigningKey::generate() {
    ensure_sodium();
    std::string seed(crypto_sign_SEEDBYTES, '\0');
    randombytes_buf(seed.data(), seed.size());
    // Key versions: [A-Za-z0-9_]; random letters keep ids distinct across key rotations.
    return from_seed(seed, "a_" + util::random_letters(4));
}

SigningKey SigningKey::from_seed(std::string_view seed32, std::string key_version) {
    ensure_sodium();
    if (seed32.size() != crypto_sign_SEEDBYTES)
        throw std::invalid_argument("seed must be 32 bytes");
    SigningKey k;
    k.key_id_ = "ed25519:" + key_version;
    k.seed_ = std::string(seed32);
    k.public_.resize(crypto_sign_PUBLICKEYBYTES);
    k.secret_.resize(crypto_sign_SECRETKEYBYTES);
    crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_.data()),
                             reinterpret_cast<unsigned char*>(k.secret_.data()),
                             reinterpret_cast<const unsigned char*>(k.seed_.data()));
    return k;
}

std::string SigningKey::public_key_base64() const {
    return util::base64_encode(public_);
}

std::string SigningKey::sign(std::string_view bytes) const {
    // A default-constructed key has no secret; signing with it would read past the buffer.
    if (secret_.size() != crypto_sign_SECRETKEYBYTES)
        throw std::logic_error("signing with an empty SigningKey");
    std::string sig(crypto_sign_BYTES, '\0');
    crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                         reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                         reinterpret_cast<const unsigned char*>(secret_.data()));
    return sig;
}

void SigningKey::sign_json(json::object& obj, const std::string& server_name) const {
    auto sig = util::base64_encode(sign(signable_bytes(obj)));
    auto& sigs = obj["signatures"];
    if (!sigs.is_object()) sigs = json::object{};
    auto& mine = sigs.as_object()[server_name];
    if (!mine.is_object()) mine = json::object{};
    mine.as_object()[key_id_] = sig;
}

bool verify_json_signature(const json::object& obj, const std::string& server_name,
                           const std::string& key_id, std::string_view public_key_raw32) {
    ensure_sodium();
    if (public_key_raw32.size() != crypto_sign_PUBLICKEYBYTES) return false;
    const auto* sigs = obj.if_contains("signatures");
    if (!sigs || !sigs->is_object()) return false;
    const auto* server = sigs->get_object().if_contains(server_name);
    if (!server || !server->is_object()) return false;
    const auto* sig = server->get_object().if_contains(key_id);
    if (!sig || !sig->is_string()) return false;
    auto raw = util::base64_decode(sig->get_string());
    if (!raw || raw->size() != crypto_sign_BYTES) return false;
    std::string bytes;
    try {
        bytes = signable_bytes(obj);
    } catch (const CanonicalJsonError&) {
        return false; // nothing was signed in a form that holds these numbers
    }
    return crypto_sign_verify_detached(
               reinterpret_cast<const unsigned char*>(raw->data()),
               reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
               reinterpret_cast<const unsigned char*>(public_key_raw32.data())) == 0;
}

} // namespace myelin::event
