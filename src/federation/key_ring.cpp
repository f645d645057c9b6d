#include "federation/key_ring.hpp"

#include "event/signing_key.hpp"
#include "util/base64.hpp"
#include "util/clock.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

namespace myelin::federation {

using boost::asio::awaitable;
namespace json = boost::json;

namespace {
constexpr std::int64_t kMaxValidityMs = 7LL * 24 * 3600 * 1000;
constexpr auto kRefetchInterval = std::chrono::seconds(60);

std::optional<std::string> raw_key(const json::value* v) {
    if (!v || !v->is_object()) return std::nullopt;
    const auto* k = v->as_object().if_contains("key");
    if (!k || !k->is_string()) return std::nullopt;
    auto raw = util::base64_decode(k->as_string());
    if (!raw || raw->size() != 32) return std::nullopt;
    return raw;
}
} // namespace

KeyRing::KeyRing(const OwnKeys& own, FederationClient& client, store::ServerKeyStore& store)
    : own_(own)
    , client_(client)
    , store_(store) {}

bool KeyRing::recently_failed(const std::string& server) const {
    auto it = last_fetch_.find(server);
    return it != last_fetch_.end() &&
           std::chrono::steady_clock::now() - it->second < kRefetchInterval;
}

awaitable<bool> KeyRing::fetch(const std::string& server) {
    last_fetch_[server] = std::chrono::steady_clock::now();
    FederationResponse r;
    try {
        r = co_await client_.get_unsigned(server, "/_matrix/key/v2/server");
    } catch (const std::exception& e) {
        spdlog::info("keys of {}: {}", server, e.what());
        co_return false;
    }
    const auto* obj = r.status == 200 ? r.body.if_object() : nullptr;
    if (!obj) {
        spdlog::info("keys of {}: HTTP {} without a key object", server, r.status);
        co_return false;
    }
    const auto* name = obj->if_contains("server_name");
    const auto* until = obj->if_contains("valid_until_ts");
    const auto* verify = obj->if_contains("verify_keys");
    if (!name || !name->is_string() || name->as_string() != server || !until ||
        !until->is_int64() || !verify || !verify->is_object() || verify->as_object().empty()) {
        spdlog::info("keys of {}: not a key answer for that server", server);
        co_return false;
    }
    auto now = util::now_ms();
    auto valid_until = std::min(until->as_int64(), now + kMaxValidityMs);
    auto text = json::serialize(*obj);
    std::vector<store::RemoteServerKey> keys;
    for (const auto& [id, v] : verify->as_object()) {
        auto raw = raw_key(&v);
        // The answer is signed by each key it names: a key that did not sign it is not its.
        if (!raw || !event::verify_json_signature(*obj, server, std::string(id), *raw)) {
            spdlog::info("keys of {}: {} is malformed or did not sign the answer", server,
                         std::string(id));
            co_return false;
        }
        keys.push_back({server, std::string(id), util::base64_encode(*raw), valid_until,
                        std::nullopt, text, now});
    }
    if (const auto* old = obj->if_contains("old_verify_keys"); old && old->is_object()) {
        for (const auto& [id, v] : old->as_object()) {
            auto raw = raw_key(&v);
            const auto* expired = v.is_object() ? v.as_object().if_contains("expired_ts") : nullptr;
            if (!raw || !expired || !expired->is_int64()) continue;
            keys.push_back({server, std::string(id), util::base64_encode(*raw), expired->as_int64(),
                            expired->as_int64(), text, now});
        }
    }
    for (const auto& k : keys)
        store_.put_server_key(k);
    co_return true;
}

awaitable<std::optional<std::string>>
KeyRing::verify_key(const std::string& server, const std::string& key_id, std::int64_t ts) {
    if (server == own_.server_name()) {
        if (key_id == own_.key().key_id()) co_return own_.key().public_key();
        auto old = own_.old_key(key_id, ts);
        if (old.empty()) co_return std::nullopt;
        co_return old;
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (const auto& k : store_.server_keys(server))
            if (k.key_id == key_id && k.valid_until_ts >= ts)
                co_return util::base64_decode(k.verify_key);
        if (attempt == 1 || recently_failed(server)) break;
        if (!co_await fetch(server)) break;
    }
    co_return std::nullopt;
}

awaitable<json::array> KeyRing::notary_keys(const std::string& server,
                                            std::int64_t minimum_valid_until_ts) {
    json::array out;
    if (server == own_.server_name()) {
        out.push_back(own_.server_keys(util::now_ms()));
        co_return out;
    }
    auto fresh_enough = [&] {
        for (const auto& k : store_.server_keys(server))
            if (!k.expired_ts && k.valid_until_ts >= minimum_valid_until_ts) return true;
        return false;
    };
    if (!fresh_enough() && !recently_failed(server)) co_await fetch(server);
    std::vector<std::string> answers;
    for (const auto& k : store_.server_keys(server))
        if (std::find(answers.begin(), answers.end(), k.key_json) == answers.end())
            answers.push_back(k.key_json);
    for (const auto& text : answers) {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        if (ec || !v.is_object()) continue;
        own_.key().sign_json(v.as_object(), own_.server_name());
        out.push_back(std::move(v));
    }
    co_return out;
}

} // namespace myelin::federation
