#pragma once
// Federation as the rest of the server sees it: the client that talks to other servers, their
// keys, the check of a signed inbound request, and the queries made of other servers.
#include "federation/federation_client.hpp"
#include "federation/key_ring.hpp"

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

namespace myelin::federation {

class Federation {
public:
    Federation(const FederationSettings& settings, const OwnKeys& own, store::ServerKeyStore& store,
               util::BlockingPool& pool, boost::asio::any_io_executor ex);

    bool enabled() const { return settings_.enabled; }
    const OwnKeys& own() const { return own_; }
    FederationClient& client() { return client_; }
    KeyRing& keys() { return keys_; }

    // The origin of a request signed with X-Matrix (each Authorization header must verify);
    // 401 M_UNAUTHORIZED with the reason otherwise.
    boost::asio::awaitable<std::string> authenticate(const std::string& method,
                                                     const std::string& uri,
                                                     const boost::json::value* content,
                                                     const std::vector<std::string>& authorization);

    // A remote user's profile (or one field of it) from their server; 404 M_NOT_FOUND when
    // federation is off, the server cannot be reached or says so.
    boost::asio::awaitable<boost::json::object>
    remote_profile(const std::string& user_id, const std::optional<std::string>& field);

    // What a remote alias names, asked of the alias's server: {room_id, servers}; 404
    // M_NOT_FOUND when federation is off, the server cannot be reached or does not know it.
    boost::asio::awaitable<boost::json::object> remote_alias(const std::string& alias);

private:
    // A GET query to `server`; its JSON object, or 404 M_NOT_FOUND with `what` in the message.
    boost::asio::awaitable<boost::json::object>
    query(const std::string& server, const std::string& uri, const std::string& what);
    const FederationSettings& settings_;
    const OwnKeys& own_;
    FederationClient client_;
    KeyRing keys_;
};

} // namespace myelin::federation
