#pragma once
// Other servers' signing keys: fetched from the server itself (GET /_matrix/key/v2/server),
// checked (its name, every verify key's signature over the answer), kept in the database until
// they expire (at most a week ahead, whatever the answer claims), and vouched for as a notary
// (GET/POST /_matrix/key/v2/query) with this server's signature added to the origin's.
#include "federation/federation_client.hpp"
#include "federation/own_keys.hpp"
#include "store/server_key_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::federation {

class KeyRing {
public:
    // `notaries`: servers asked for keys a server does not give itself ([federation]
    // trusted_key_servers).
    KeyRing(const OwnKeys& own, FederationClient& client, store::ServerKeyStore& store,
            std::vector<std::string> notaries = {});

    // The raw 32-byte key `key_id` of `server`, valid at `ts` (fetched when not known or
    // expired, at most once a minute per server); nullopt when it cannot be had.
    boost::asio::awaitable<std::optional<std::string>>
    verify_key(const std::string& server, const std::string& key_id, std::int64_t ts);

    // The kept answers of `server` (fetched again unless one is valid until
    // `minimum_valid_until_ts`), each signed by this server too. Empty when none can be had.
    boost::asio::awaitable<boost::json::array> notary_keys(const std::string& server,
                                                           std::int64_t minimum_valid_until_ts);

private:
    // Fetches and keeps `server`'s keys (`key_id` the one wanted, or empty), from the server,
    // else (`via_notaries`) from the notaries; false when they cannot be had or do not check
    // out.
    boost::asio::awaitable<bool> fetch(const std::string& server, const std::string& key_id,
                                       bool via_notaries);
    boost::asio::awaitable<bool> fetch_from_notary(const std::string& server,
                                                   const std::string& key_id,
                                                   const std::string& notary);
    boost::asio::awaitable<std::optional<std::string>> lookup(const std::string& server,
                                                              const std::string& key_id,
                                                              std::int64_t ts, bool via_notaries);
    // Checks a key answer for `server` (its name, each key's signature) and keeps its keys.
    bool accept(const std::string& server, const boost::json::object& answer);
    bool recently_failed(const std::string& server) const;

    const OwnKeys& own_;
    FederationClient& client_;
    store::ServerKeyStore& store_;
    std::vector<std::string> notaries_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_fetch_;
};

} // namespace myelin::federation
