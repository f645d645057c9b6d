#pragma once
// Federation endpoints that need a signed request: the handler runs with the origin server
// once its X-Matrix signature verifies (401 M_UNAUTHORIZED before that otherwise).
#include "api/routes.hpp"

namespace myelin::api {

using FederationHandler = std::function<net::Awaitable(net::Request&, const std::string& origin)>;
net::Handler federation_authed(Services& s, FederationHandler h);

} // namespace myelin::api
