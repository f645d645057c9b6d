// GET /profile/{userId}, GET/PUT /profile/{userId}/displayname|avatar_url.
#include "api/routes.hpp"
#include "util/ids.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {

const std::string& profile_user(Services& s, const Request& req) {
    const auto& user_id = req.param("userId");
    if (!ids::valid_user_id(user_id)) throw invalid_param("Invalid user id");
    if (!s.accounts.user_exists(user_id)) throw not_found("Profile not found");
    return user_id;
}

// Another server's user: asked of that server (404 when it cannot say).
bool is_remote(Services& s, const Request& req) {
    const auto& user_id = req.param("userId");
    return ids::valid_user_id(user_id) && ids::server_of(user_id) != s.config.server_name;
}

net::Awaitable remote(Services& s, const Request& req, const std::optional<std::string>& field) {
    auto o = co_await s.federation.remote_profile(req.param("userId"), field);
    if (field && !o.contains(*field)) throw not_found("No " + *field + " set");
    co_return Response::json(std::move(o));
}

// PUT handler for one profile field; `set` stores the new value (null clears it).
net::Handler put_field(Services& s, std::string field,
                       void (account::AccountService::*set)(const std::string&,
                                                            const std::optional<std::string>&)) {
    return authed(s, [&s, field, set](Request& req, const account::Auth& auth) -> net::Awaitable {
        if (req.param("userId") != auth.user_id)
            throw forbidden("You may only change your own profile");
        auto body = req.json();
        auto value = jf::opt_string(body, field);
        if (value && value->size() > 1024) throw invalid_param(field + " is too long");
        // An avatar is media: clients fetch it through the media repository.
        if (field == "avatar_url" && value && !value->empty() && value->rfind("mxc://", 0) != 0)
            throw invalid_param("avatar_url must be an mxc:// URI");
        (s.accounts.*set)(auth.user_id, value);
        co_return Response::empty_object();
    });
}

} // namespace

void add_profile_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/profile/{userId}", [&s](Request& req) -> net::Awaitable {
        if (is_remote(s, req)) co_return co_await remote(s, req, std::nullopt);
        auto p = s.accounts.profile(profile_user(s, req));
        json::object o;
        if (p.displayname) o["displayname"] = *p.displayname;
        if (p.avatar_url) o["avatar_url"] = *p.avatar_url;
        co_return Response::json(o);
    });
    r.client(verb::get, "/profile/{userId}/displayname", [&s](Request& req) -> net::Awaitable {
        if (is_remote(s, req)) co_return co_await remote(s, req, "displayname");
        auto p = s.accounts.profile(profile_user(s, req));
        if (!p.displayname) throw not_found("No display name set");
        co_return Response::json(json::object{{"displayname", *p.displayname}});
    });
    r.client(verb::get, "/profile/{userId}/avatar_url", [&s](Request& req) -> net::Awaitable {
        if (is_remote(s, req)) co_return co_await remote(s, req, "avatar_url");
        auto p = s.accounts.profile(profile_user(s, req));
        if (!p.avatar_url) throw not_found("No avatar set");
        co_return Response::json(json::object{{"avatar_url", *p.avatar_url}});
    });
    r.client(verb::put, "/profile/{userId}/displayname",
             put_field(s, "displayname", &account::AccountService::set_displayname));
    r.client(verb::put, "/profile/{userId}/avatar_url",
             put_field(s, "avatar_url", &account::AccountService::set_avatar_url));
}

} // namespace myelin::api
