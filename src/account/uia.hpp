#pragma once
// User-Interactive Authentication: sessions bound to one operation so that a session completed
// for one request cannot authorise another. Sessions live in the store, so the requests of one
// session may reach different processes.
#include "store/store.hpp"
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace myelin::account {

struct UiaFlow {
    std::vector<std::string> stages;
};

class Uia {
public:
    explicit Uia(store::AccountStore& store)
        : store_(store) {}

    // Checks one stage's credentials; throws MatrixError (e.g. 403 M_FORBIDDEN) if wrong.
    using StageCheck = std::function<boost::asio::awaitable<void>(const std::string& type,
                                                                  const boost::json::object& auth)>;

    // Returns once `body.auth` completes one of `flows`; otherwise throws the spec's 401
    // (flows, params, session, completed, and errcode/error after a failed stage).
    // `operation` names what is being authorised ("register", "@alice:hs/deactivate", ...).
    // Returns the auth dict each completed stage was passed with, by stage type.
    using Completed = std::map<std::string, boost::json::object>;
    boost::asio::awaitable<Completed> require(const boost::json::object& body,
                                              const std::vector<UiaFlow>& flows,
                                              const std::string& operation, StageCheck check,
                                              boost::json::object params = {});

private:
    [[noreturn]] void challenge(const std::vector<UiaFlow>& flows, const std::string& id,
                                const Completed& completed, const boost::json::object& params,
                                const char* errcode = nullptr, const std::string& error = {});
    store::AccountStore& store_;
};

} // namespace myelin::account
