// Queries other servers make of this one (signed requests): GET
// /_matrix/federation/v1/query/profile and /query/directory (room aliases).
#include "api/federation/federation_auth.hpp"
#include "util/ids.hpp"

namespace myelin::api {

namespace {
net::Awaitable profile(Services& s, Request& req) {
    const auto* user = req.query_param("user_id");
    if (!user) throw missing_param("user_id is required");
    if (!ids::valid_user_id(*user) || ids::server_of(*user) != s.config.server_name ||
        !s.accounts.user_exists(*user))
        throw not_found("No such user on this server");
    const auto* field = req.query_param("field");
    if (field && *field != "displayname" && *field != "avatar_url")
        throw invalid_param("field must be displayname or avatar_url");
    auto p = s.accounts.profile(*user);
    json::object o;
    if (p.displayname && (!field || *field == "displayname")) o["displayname"] = *p.displayname;
    if (p.avatar_url && (!field || *field == "avatar_url")) o["avatar_url"] = *p.avatar_url;
    co_return Response::json(o);
}

net::Awaitable directory(Services& s, Request& req) {
    const auto* alias = req.query_param("room_alias");
    if (!alias) throw missing_param("room_alias is required");
    if (!ids::valid_room_alias(*alias) || ids::server_of(*alias) != s.config.server_name)
        throw not_found("No such alias on this server");
    co_return Response::json(s.directory.resolve_alias(*alias));
}
} // namespace

void add_federation_query_routes(net::Router& r, Services& s) {
    r.add(
        verb::get, "/_matrix/federation/v1/query/directory",
        federation_authed(s, [&s](Request& req, const std::string&) { return directory(s, req); }));
    r.add(verb::get, "/_matrix/federation/v1/query/profile",
          federation_authed(s, [&s](Request& req, const std::string&) { return profile(s, req); }));
}

} // namespace myelin::api
