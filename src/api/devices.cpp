// GET /devices, GET/PUT/DELETE /devices/{deviceId}, POST /delete_devices.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
json::object device_json(const store::DeviceRecord& d) {
    json::object o{{"device_id", d.device_id}};
    if (d.display_name) o["display_name"] = *d.display_name;
    if (d.last_seen_ip) o["last_seen_ip"] = *d.last_seen_ip;
    if (d.last_seen_ts) o["last_seen_ts"] = *d.last_seen_ts;
    return o;
}
} // namespace

void add_device_routes(net::Router& r, Services& s) {
    r.client(verb::get, "/devices",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 json::array list;
                 for (const auto& d : s.accounts.devices(auth.user_id))
                     list.push_back(device_json(d));
                 co_return Response::json(json::object{{"devices", std::move(list)}});
             }));

    r.client(verb::get, "/devices/{deviceId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto d = s.accounts.device(auth.user_id, req.param("deviceId"));
                 if (!d) throw not_found("Unknown device");
                 co_return Response::json(device_json(*d));
             }));

    r.client(verb::put, "/devices/{deviceId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 auto name = jf::opt_string(body, "display_name");
                 if (!s.accounts.device(auth.user_id, req.param("deviceId")))
                     throw not_found("Unknown device");
                 if (name) s.accounts.rename_device(auth.user_id, req.param("deviceId"), *name);
                 co_return Response::empty_object();
             }));

    r.client(verb::delete_, "/devices/{deviceId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 std::string id = req.param("deviceId");
                 co_await require_password_uia(s, auth, body, "delete_device/" + id);
                 s.accounts.delete_devices(auth.user_id, {id});
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/delete_devices",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 const auto* arr = jf::opt_array(body, "devices");
                 if (!arr) throw missing_param("Missing 'devices'");
                 std::vector<std::string> ids;
                 for (const auto& v : *arr) {
                     if (!v.is_string()) throw bad_json("'devices' must be an array of strings");
                     ids.emplace_back(v.get_string());
                 }
                 co_await require_password_uia(s, auth, body, "delete_devices");
                 s.accounts.delete_devices(auth.user_id, ids);
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
