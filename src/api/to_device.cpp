// PUT /sendToDevice/{eventType}/{txnId}.
#include "api/routes.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

void add_to_device_routes(net::Router& r, Services& s) {
    r.client(verb::put, "/sendToDevice/{eventType}/{txnId}",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 auto body = req.json();
                 const auto& messages = jf::req_object(body, "messages");
                 s.to_device.send(auth.user_id, auth.device_id, req.param("eventType"),
                                  req.param("txnId"), messages);
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
