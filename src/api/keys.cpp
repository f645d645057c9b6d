// End-to-end encryption keys: /keys/upload, /keys/query, /keys/claim, /keys/changes,
// /keys/device_signing/upload, /keys/signatures/upload.
#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

void add_key_routes(net::Router& r, Services& s) {
    r.client(verb::post, "/keys/upload",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(s.keys.upload(auth.user_id, auth.device_id, req.json()));
             }));

    r.client(verb::post, "/keys/query",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 co_return Response::json(
                     s.keys.query(auth.user_id, jf::req_object(body, "device_keys")));
             }));

    r.client(verb::post, "/keys/claim",
             authed(s, [&s](Request& req, const account::Auth&) -> net::Awaitable {
                 auto body = req.json();
                 co_return Response::json(s.keys.claim(jf::req_object(body, "one_time_keys")));
             }));

    r.client(verb::get, "/keys/changes",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 const auto* from = req.query_param("from");
                 const auto* to = req.query_param("to");
                 if (!from || !to) throw missing_param("'from' and 'to' are required");
                 auto delta = s.keys.device_list_delta(auth.user_id, s.sync.parse_since(*from).pos,
                                                       s.sync.parse_since(*to).pos);
                 json::array changed(delta.changed.begin(), delta.changed.end());
                 json::array left(delta.left.begin(), delta.left.end());
                 co_return Response::json(
                     json::object{{"changed", std::move(changed)}, {"left", std::move(left)}});
             }));

    r.client(verb::post, "/keys/device_signing/upload",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 if (s.keys.cross_signing_needs_auth(auth.user_id, body))
                     co_await require_password_uia(s, auth, body, "device_signing");
                 s.keys.upload_cross_signing(auth.user_id, body);
                 co_return Response::empty_object();
             }));

    r.client(verb::post, "/keys/signatures/upload",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(s.keys.upload_signatures(auth.user_id, req.json()));
             }));
}

} // namespace myelin::api
