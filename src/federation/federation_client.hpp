#pragma once
// Requests to other servers: resolved (federation/resolver.hpp), signed with the X-Matrix
// scheme, over TLS checked against the system's CAs and [federation] trusted_ca, to
// destinations the DestinationPolicy permits (allow_private_destinations opens them all).
#include "federation/federation_settings.hpp"
#include "federation/own_keys.hpp"
#include "federation/resolver.hpp"
#include "net/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

namespace myelin::federation {

struct FederationResponse {
    unsigned status = 0;
    boost::json::value body; // null when it was not JSON
};

class FederationClient {
public:
    FederationClient(const FederationSettings& settings, const OwnKeys& keys,
                     util::BlockingPool& pool, boost::asio::any_io_executor ex);

    // `uri` is the path and query, encoded. net::FetchError when there is no answer.
    boost::asio::awaitable<FederationResponse>
    request(const std::string& method, const std::string& destination, const std::string& uri,
            const boost::json::value* content, std::size_t max_body = 16 << 20);
    // An unsigned GET (server keys are fetched before the other side can know ours).
    boost::asio::awaitable<FederationResponse> get_unsigned(const std::string& destination,
                                                            const std::string& uri);

private:
    boost::asio::awaitable<FederationResponse> send(const std::string& destination,
                                                    net::FetchRequest& req);

    const FederationSettings& settings_;
    const OwnKeys& keys_;
    net::HttpClient http_;
    Resolver resolver_;
};

} // namespace myelin::federation
