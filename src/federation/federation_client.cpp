#include "federation/federation_client.hpp"

#include "event/canonical_json.hpp"
#include "federation/x_matrix.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace myelin::federation {

using boost::asio::awaitable;
namespace json = boost::json;

namespace {
net::HttpClientSettings client_settings(const FederationSettings& s) {
    net::HttpClientSettings c;
    if (!s.allow_private_destinations) c.policy = net::DestinationPolicy::standard({}, {});
    c.ca_file = s.trusted_ca;
    c.user_agent = "Myelin";
    return c;
}
} // namespace

FederationClient::FederationClient(const FederationSettings& settings, const OwnKeys& keys,
                                   util::BlockingPool& pool, boost::asio::any_io_executor ex)
    : settings_(settings)
    , keys_(keys)
    , http_(std::move(ex), client_settings(settings))
    , resolver_(settings_, http_, pool) {}

awaitable<FederationResponse> FederationClient::send(const std::string& destination,
                                                     net::FetchRequest& req) {
    auto d = co_await resolver_.resolve(destination);
    req.url = d.base_url + req.url;
    req.connect_to = d.connect_to;
    req.max_redirects = 0; // federation answers where it is asked
    req.headers.emplace_back("Accept", "application/json");
    auto r = co_await http_.request(req);
    FederationResponse out;
    out.status = r.status;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (!ec) out.body = std::move(v);
    co_return out;
}

awaitable<FederationResponse> FederationClient::request(const std::string& method,
                                                        const std::string& destination,
                                                        const std::string& uri,
                                                        const json::value* content,
                                                        std::size_t max_body) {
    auto to_sign = signed_request(method, uri, keys_.server_name(), destination, content);
    keys_.key().sign_json(to_sign, keys_.server_name());
    XMatrix x{keys_.server_name(), destination, keys_.key().key_id(),
              std::string(to_sign["signatures"]
                              .as_object()[keys_.server_name()]
                              .as_object()[keys_.key().key_id()]
                              .as_string())};
    net::FetchRequest req;
    req.method = method;
    req.url = uri;
    req.max_body_bytes = max_body;
    req.timeout = std::chrono::seconds(30);
    if (content) req.body = event::canonical_json(*content);
    req.headers.emplace_back("Authorization", format_x_matrix(x));
    co_return co_await send(destination, req);
}

awaitable<FederationResponse> FederationClient::get_unsigned(const std::string& destination,
                                                             const std::string& uri) {
    net::FetchRequest req;
    req.url = uri;
    req.max_body_bytes = 1 << 20;
    req.timeout = std::chrono::seconds(15);
    co_return co_await send(destination, req);
}

} // namespace myelin::federation
