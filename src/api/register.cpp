// POST /register (with UIA), GET /register/available, registration token validity.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

json::object login_response(const account::LoginResult& r, const Config& cfg);

void add_register_routes(net::Router& r, Services& s) {
    r.client(verb::post, "/register", [&s](Request& req) -> net::Awaitable {
        s.accounts.register_limiter().check(req.remote_ip);
        if (const auto* kind = req.query_param("kind")) {
            if (*kind == "guest")
                throw MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN",
                                  "Guest access is not supported on this server");
            if (*kind != "user") throw invalid_param("kind must be 'user' or 'guest'");
        }
        if (s.accounts.registration_mode() == RegistrationMode::closed)
            throw forbidden("Registration is disabled on this server");
        auto body = req.json();
        account::RegisterRequest rr;
        rr.username = jf::opt_string(body, "username");
        rr.password = jf::opt_string(body, "password");
        rr.device_id = jf::opt_string(body, "device_id");
        rr.device_display_name = jf::opt_string(body, "initial_device_display_name");
        rr.inhibit_login = jf::opt_bool(body, "inhibit_login").value_or(false);
        rr.ip = req.remote_ip;
        // Refuse a bad or taken name before the client goes through the auth stages.
        if (rr.username) s.accounts.check_username_available(*rr.username);
        auto done = co_await s.accounts.uia().require(
            body, s.accounts.registration_flows(), "register",
            [&s](const std::string& type, const json::object& auth) {
                return s.accounts.check_registration_stage(type, auth);
            });
        std::optional<std::string> token;
        if (auto it = done.find("m.login.registration_token"); it != done.end())
            token = jf::opt_string(it->second, "token");
        auto result = co_await s.accounts.register_user(std::move(rr), token);
        co_return Response::json(login_response(result, s.config));
    });

    r.client(verb::get, "/register/available", [&s](Request& req) -> net::Awaitable {
        s.accounts.register_limiter().check(req.remote_ip); // names must not be enumerable fast
        const auto* name = req.query_param("username");
        if (!name) throw missing_param("Missing 'username'");
        s.accounts.check_username_available(*name);
        co_return Response::json(json::object{{"available", true}});
    });

    r.client_v1(verb::get, "/register/m.login.registration_token/validity",
                [&s](Request& req) -> net::Awaitable {
                    if (s.accounts.registration_mode() == RegistrationMode::closed)
                        throw forbidden("Registration is disabled on this server");
                    s.accounts.register_limiter().check(req.remote_ip); // no token guessing
                    const auto* token = req.query_param("token");
                    if (!token) throw missing_param("Missing 'token'");
                    co_return Response::json(
                        json::object{{"valid", s.accounts.registration_token_valid(*token)}});
                });
}

} // namespace myelin::api
