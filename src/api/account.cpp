// GET /account/whoami, POST /account/password, POST /account/deactivate.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

// UIA with the account's password, bound to `what` for this user.
boost::asio::awaitable<void> require_password_uia(Services& s, const account::Auth& auth,
                                                  const json::object& body,
                                                  const std::string& what) {
    static const std::vector<account::UiaFlow> flows{account::UiaFlow{{"m.login.password"}}};
    std::string user = auth.user_id;
    account::Uia::StageCheck check = [&s, user](const std::string&, const json::object& a) {
        return s.accounts.check_password_stage(user, a);
    };
    co_await s.accounts.uia().require(body, flows, user + "/" + what, check);
}

void add_account_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/account/whoami",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(json::object{{"user_id", auth.user_id},
                                                       {"device_id", auth.device_id},
                                                       {"is_guest", false}});
             }));

    r.client(verb::post, "/account/password",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto new_password = jf::req_string(body, "new_password");
                 bool logout_devices = jf::opt_bool(body, "logout_devices").value_or(true);
                 co_await require_password_uia(s, auth, body, "password");
                 co_await s.accounts.change_password(auth, new_password, logout_devices);
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/account/deactivate",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 co_await require_password_uia(s, auth, body, "deactivate");
                 s.accounts.deactivate(auth);
                 co_return Response::json(json::object{{"id_server_unbind_result", "no-support"}});
             }));
}

} // namespace myelin::api
