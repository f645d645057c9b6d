// GET /versions, /.well-known/matrix/client (and /server, when delegating) and /capabilities.
#include "api/routes.hpp"
#include "event/room_version.hpp"

namespace myelin::api {

void add_discovery_routes(net::Router& r, Services& s) {
    r.add(verb::get, "/_matrix/client/versions", [](Request&) -> net::Awaitable {
        json::array versions;
        for (int minor = 1; minor <= 16; ++minor)
            versions.emplace_back("v1." + std::to_string(minor));
        co_return Response::json(
            json::object{{"versions", std::move(versions)},
                         {"unstable_features", json::object{{"org.matrix.msc2108", true}}}});
    });
    r.add(verb::get, "/.well-known/matrix/client", [&s](Request&) -> net::Awaitable {
        std::string base = s.config.public_baseurl;
        if (base.empty())
            base = std::string(s.config.http_tls_certificate.empty() ? "http://" : "https://") +
                   s.config.listen_host + ":" + std::to_string(s.config.listen_port);
        co_return Response::json(json::object{{"m.homeserver", json::object{{"base_url", base}}}});
    });
    // Delegation (spec "Server discovery"): other servers reach this one's federation listener
    // at the name and port given, e.g. behind a proxy on 443.
    if (!s.config.federation.well_known_server.empty())
        r.add(verb::get, "/.well-known/matrix/server", [&s](Request&) -> net::Awaitable {
            Response res =
                Response::json(json::object{{"m.server", s.config.federation.well_known_server}});
            res.headers.emplace_back("Cache-Control", "max-age=86400");
            co_return res;
        });
    r.client(verb::get, "/capabilities",
             authed(s, [&s](Request& req, const account::Auth&) -> net::Awaitable {
                 json::object available;
                 for (const char* v : {"10", "11", "12"})
                     available[v] = "stable";
                 json::object caps{
                     {"m.change_password", json::object{{"enabled", true}}},
                     {"m.room_versions",
                      json::object{{"default", std::string(event::kDefaultRoomVersion)},
                                   {"available", std::move(available)}}},
                     {"m.set_displayname", json::object{{"enabled", true}}},
                     {"m.set_avatar_url", json::object{{"enabled", true}}},
                     {"m.3pid_changes", json::object{{"enabled", false}}},
                     {"m.get_login_token", json::object{{"enabled", false}}},
                 };
                 co_return Response::json(json::object{{"capabilities", std::move(caps)}});
             }));
}

} // namespace myelin::api
