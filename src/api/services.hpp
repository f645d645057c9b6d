#pragma once
// What the endpoint handlers can reach: configuration and the domain services.
#include "account/account_service.hpp"
#include "config/config.hpp"
#include "net/request.hpp"

namespace myelin::api {

struct Services {
    const Config& config;
    account::AccountService& accounts;
};

// The caller's identity from `Authorization: Bearer` or `?access_token=`;
// 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN otherwise.
account::Auth require_auth(Services& s, const net::Request& req);

} // namespace myelin::api
