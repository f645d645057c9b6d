#include "federation/federation.hpp"

#include "event/signing_key.hpp"
#include "federation/x_matrix.hpp"
#include "util/clock.hpp"
#include "util/ids.hpp"
#include "util/matrix_error.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <spdlog/spdlog.h>

namespace myelin::federation {

using boost::asio::awaitable;
namespace json = boost::json;

namespace {
MatrixError unauthorized(const std::string& why) {
    return MatrixError(401, errcode::unauthorized, why);
}

std::string query_value(std::string_view v) {
    return boost::urls::encode(v, boost::urls::unreserved_chars);
}
} // namespace

Federation::Federation(const FederationSettings& settings, const OwnKeys& own,
                       store::ServerKeyStore& store, util::BlockingPool& pool,
                       boost::asio::any_io_executor ex)
    : settings_(settings)
    , own_(own)
    , client_(settings, own, pool, std::move(ex))
    , keys_(own, client_, store, settings.trusted_key_servers) {}

awaitable<std::string> Federation::authenticate(const std::string& method, const std::string& uri,
                                                const json::value* content,
                                                const std::vector<std::string>& authorization) {
    if (authorization.empty()) throw unauthorized("Missing X-Matrix authorization");
    std::string origin;
    for (const auto& header : authorization) {
        auto x = parse_x_matrix(header);
        if (!x) throw unauthorized("Malformed X-Matrix authorization");
        if (!origin.empty() && x->origin != origin)
            throw unauthorized("X-Matrix headers name different origins");
        origin = x->origin;
        if (!x->destination.empty() && x->destination != own_.server_name())
            throw unauthorized("The request is for " + x->destination + ", not this server");
        auto key = co_await keys_.verify_key(x->origin, x->key, util::now_ms());
        if (!key) throw unauthorized("Cannot get the key " + x->key + " of " + x->origin);
        auto signed_json = signed_request(method, uri, x->origin, own_.server_name(), content);
        signed_json["signatures"] = json::object{{x->origin, json::object{{x->key, x->sig}}}};
        if (!event::verify_json_signature(signed_json, x->origin, x->key, *key))
            throw unauthorized("The request's signature does not verify");
    }
    co_return origin;
}

awaitable<json::object> Federation::query(const std::string& server, const std::string& uri,
                                          const std::string& what) {
    if (!settings_.enabled) throw not_found(what + " not found (federation is off)");
    FederationResponse r;
    try {
        r = co_await client_.request("GET", server, uri, nullptr, 64 * 1024);
    } catch (const std::exception& e) {
        spdlog::info("{} on {}: {}", what, server, e.what());
        throw not_found(what + " not found (" + server + " cannot be reached)");
    }
    if (r.status != 200 || !r.body.is_object()) throw not_found(what + " not found");
    co_return std::move(r.body.as_object());
}

awaitable<json::object> Federation::remote_alias(const std::string& alias) {
    auto server = std::string(ids::server_of(alias));
    if (server.empty()) throw not_found("Room alias not found");
    auto answer = co_await query(
        server, "/_matrix/federation/v1/query/directory?room_alias=" + query_value(alias),
        "Room alias " + alias);
    const auto* room = answer.if_contains("room_id");
    if (!room || !room->is_string() || !room->as_string().starts_with("!") ||
        room->as_string().size() > 255)
        throw not_found("Room alias " + alias + " not found");
    json::array servers;
    if (const auto* list = answer.if_contains("servers"); list && list->is_array())
        for (const auto& v : list->as_array())
            if (v.is_string() && v.as_string().size() <= 255 && servers.size() < 20)
                servers.push_back(v);
    co_return json::object{{"room_id", *room}, {"servers", std::move(servers)}};
}

awaitable<json::object> Federation::remote_profile(const std::string& user_id,
                                                   const std::optional<std::string>& field) {
    auto server = std::string(ids::server_of(user_id));
    if (server.empty()) throw not_found("Profile not found");
    std::string uri = "/_matrix/federation/v1/query/profile?user_id=" + query_value(user_id);
    if (field) uri += "&field=" + query_value(*field);
    auto answer = co_await query(server, uri, "Profile");
    json::object out;
    // Only the profile's own fields, and only strings: it is another server's word.
    for (const char* k : {"displayname", "avatar_url"}) {
        const auto* v = answer.if_contains(k);
        if (!v || !v->is_string() || v->as_string().size() > 1024) continue;
        if (std::string_view(k) == "avatar_url" && !v->as_string().starts_with("mxc://")) continue;
        out[k] = *v;
    }
    co_return out;
}

} // namespace myelin::federation
