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

KeyRing::KeyRing(const OwnKeys& own, FederationClient& client, store::ServerKeyStore& store,
                 std::vector<std::string> notaries)
    : own_(own)
    , client_(client)
    , store_(store)
    , notaries_(std::move(notaries)) {}

bool KeyRing::recently_failed(const std::string& server) const {
    auto it = last_fetch_.find(server);
    return it != last_fetch_.end() &&
           std::chrono::steady_clock::now() - it->second < kRefetchInterval;
}

bool KeyRing::accept(const std::string& server, const json::object& obj) {
    const auto* name = obj.if_contains("server_name");
    const auto* until = obj.if_contains("valid_until_ts");
    const auto* verify = obj.if_contains("verify_keys");
    if (!name || !name->is_string() || name->as_string() != server || !until ||
        !until->is_int64() || !verify || !verify->is_object() || verify->as_object().empty()) {
        spdlog::info("keys of {}: not a key answer for that server", server);
        return false;
    }
    auto now = util::now_ms();
    auto valid_until = std::min(until->as_int64(), now + kMaxValidityMs);
    auto text = json::serialize(obj);
    std::vector<store::RemoteServerKey> keys;
    for (const auto& [id, v] : verify->as_object()) {
        auto raw = raw_key(&v);
        // The answer is signed by each key it names: a key that did not sign it is not its.
        if (!raw || !event::verify_json_signature(obj, server, std::string(id), *raw)) {
            spdlog::info("keys of {}: {} is malformed or did not sign the answer", server,
                         std::string(id));
            return false;
        }
        keys.push_back({server, std::string(id), util::base64_encode(*raw), valid_until,
                        std::nullopt, text, now});
    }
    if (const auto* old = obj.if_contains("old_verify_keys"); old && old->is_object()) {
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
    return true;
}

awaitable<bool> KeyRing::fetch(const std::string& server, const std::string& key_id,
                               bool via_notaries) {
    last_fetch_[server] = std::chrono::steady_clock::now();
    FederationResponse r;
    bool answered = false;
    try {
        r = co_await client_.get_unsigned(server, "/_matrix/key/v2/server");
        answered = true;
    } catch (const std::exception& e) {
        spdlog::info("keys of {}: {}", server, e.what());
    }
    const json::object* obj = nullptr;
    if (answered && r.status == 200) obj = r.body.if_object();
    if (obj && accept(server, *obj)) co_return true;
    if (!via_notaries) co_return false;
    for (const auto& notary : notaries_) {
        if (notary == server) continue;
        if (co_await fetch_from_notary(server, key_id, notary)) co_return true;
    }
    co_return false;
}

// Asks `notary` (POST /_matrix/key/v2/query) and takes each answer it signed with a key of its
// own this server can check, and that the origin signed too.
awaitable<bool> KeyRing::fetch_from_notary(const std::string& server, const std::string& key_id,
                                           const std::string& notary) {
    json::object wanted;
    if (!key_id.empty()) wanted[key_id] = json::object{};
    json::value body = json::object{{"server_keys", json::object{{server, wanted}}}};
    FederationResponse r;
    try {
        r = co_await client_.request("POST", notary, "/_matrix/key/v2/query", &body, 4 << 20);
    } catch (const std::exception& e) {
        spdlog::info("keys of {} from notary {}: {}", server, notary, e.what());
        co_return false;
    }
    const json::value* list = nullptr;
    if (r.status == 200 && r.body.is_object()) list = r.body.as_object().if_contains("server_keys");
    if (!list || !list->is_array()) co_return false;
    bool any = false;
    for (const auto& item : list->as_array()) {
        if (!item.is_object()) continue;
        const auto* sigs = item.as_object().if_contains("signatures");
        const json::value* by_notary = nullptr;
        if (sigs && sigs->is_object()) by_notary = sigs->as_object().if_contains(notary);
        if (!by_notary || !by_notary->is_object()) continue;
        bool vouched = false;
        for (const auto& [nk, sig] : by_notary->as_object()) {
            std::string id(nk);
            auto raw = co_await lookup(notary, id, util::now_ms(), false);
            if (raw && event::verify_json_signature(item.as_object(), notary, id, *raw)) {
                vouched = true;
                break;
            }
        }
        if (vouched && accept(server, item.as_object())) any = true;
    }
    co_return any;
}

// A kept key valid at `ts`, else fetched (`via_notaries`: also from the notaries; a notary's
// own key never is: who would vouch for that one?).
awaitable<std::optional<std::string>> KeyRing::lookup(const std::string& server,
                                                      const std::string& key_id, std::int64_t ts,
                                                      bool via_notaries) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (const auto& k : store_.server_keys(server))
            if (k.key_id == key_id && k.valid_until_ts >= ts)
                co_return util::base64_decode(k.verify_key);
        if (attempt == 1 || recently_failed(server)) break;
        if (!co_await fetch(server, key_id, via_notaries)) break;
    }
    co_return std::nullopt;
}

awaitable<std::optional<std::string>>
KeyRing::verify_key(const std::string& server, const std::string& key_id, std::int64_t ts) {
    if (server == own_.server_name()) {
        if (key_id == own_.key().key_id()) co_return own_.key().public_key();
        auto old = own_.old_key(key_id, ts);
        if (old.empty()) co_return std::nullopt;
        co_return old;
    }
    co_return co_await lookup(server, key_id, ts, true);
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
    if (!fresh_enough() && !recently_failed(server)) co_await fetch(server, "", true);
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
