// GET/POST /login, POST /logout, POST /logout/all.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

json::object login_response(const account::LoginResult& r, const Config& cfg) {
    json::object o{{"user_id", r.user_id}, {"home_server", cfg.server_name}};
    if (!r.access_token.empty()) {
        o["access_token"] = r.access_token;
        o["device_id"] = r.device_id;
    }
    return o;
}

void add_login_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/login", [](Request&) -> net::Awaitable {
        json::array flows{json::object{{"type", "m.login.password"}}};
        co_return Response::json(json::object{{"flows", std::move(flows)}});
    });

    r.client(verb::post, "/login", [&s](Request& req) -> net::Awaitable {
        s.accounts.login_limiter().check(req.remote_ip);
        auto body = req.json();
        auto type = jf::req_string(body, "type");
        if (type != "m.login.password")
            throw MatrixError(400, errcode::unknown, "Unsupported login type: " + type);
        std::string who;
        if (const auto* ident = jf::opt_object(body, "identifier")) {
            auto itype = jf::req_string(*ident, "type");
            if (itype != "m.id.user")
                throw MatrixError(400, errcode::unknown, "Unsupported identifier type: " + itype);
            who = jf::req_string(*ident, "user");
        } else if (auto user = jf::opt_string(body, "user")) { // deprecated form
            who = *user;
        } else {
            throw missing_param("Missing 'identifier'");
        }
        auto password = jf::req_string(body, "password");
        auto result = co_await s.accounts.login_password(
            who, password, jf::opt_string(body, "device_id"),
            jf::opt_string(body, "initial_device_display_name"), req.remote_ip);
        co_return Response::json(login_response(result, s.config));
    });

    r.client(verb::post, "/logout",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.accounts.logout(auth);
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/logout/all",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 s.accounts.logout_all(auth);
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
