#include "account/uia.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"
#include <optional>

namespace myelin::account {

namespace json = boost::json;
using namespace std::chrono_literals;

void Uia::expire_old() {
    auto now = std::chrono::steady_clock::now();
    std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.created > 30min; });
}

void Uia::challenge(const std::vector<UiaFlow>& flows, const std::string& id, const Session& s,
                    const json::object& params, const char* errcode, const std::string& error) {
    MatrixError e(401, errcode ? errcode : "M_UNAUTHORIZED",
                  errcode ? error : "Additional authentication is required");
    json::array fl;
    for (const auto& f : flows) {
        json::array st;
        for (const auto& x : f.stages) st.emplace_back(x);
        fl.emplace_back(json::object{{"stages", std::move(st)}});
    }
    e.extra["flows"] = std::move(fl);
    e.extra["params"] = params;
    e.extra["session"] = id;
    if (!s.completed.empty()) {
        json::array done;
        for (const auto& c : s.completed) done.emplace_back(c.first);
        e.extra["completed"] = std::move(done);
    }
    throw e;
}

boost::asio::awaitable<Uia::Completed> Uia::require(const json::object& body,
                                          const std::vector<UiaFlow>& flows,
                                          const std::string& operation, StageCheck check,
                                          json::object params) {
    expire_old();
    const json::object* auth = json_fields::opt_object(body, "auth");
    std::string id;
    if (auth) {
        if (auto sid = json_fields::opt_string(*auth, "session")) id = *sid;
    }
    if (id.empty()) {
        id = util::random_token(18);
        sessions_[id] = Session{operation, {}, std::chrono::steady_clock::now()};
    }
    auto it = sessions_.find(id);
    if (it == sessions_.end()) throw MatrixError(400, "M_UNKNOWN", "Unknown UIA session");
    if (it->second.operation != operation)
        throw MatrixError(400, "M_UNKNOWN", "UIA session belongs to another request");
    if (!auth) challenge(flows, id, it->second, params);

    if (auto type = json_fields::opt_string(*auth, "type")) {
        bool known = false;
        for (const auto& f : flows)
            for (const auto& s : f.stages) known = known || s == *type;
        if (!known)
            challenge(flows, id, it->second, params, "M_UNRECOGNIZED",
                      "Authentication type not offered: " + *type);
        std::optional<MatrixError> failed;
        try {
            co_await check(*type, *auth);
        } catch (const MatrixError& e) {
            failed = e;
        }
        // The map may have changed while the check ran (it can hash a password off-loop).
        it = sessions_.find(id);
        if (it == sessions_.end()) throw MatrixError(400, "M_UNKNOWN", "UIA session expired");
        if (failed)
            challenge(flows, id, it->second, params, failed->errcode().c_str(), failed->what());
        it->second.completed[*type] = *auth;
    }
    for (const auto& f : flows) {
        bool done = true;
        for (const auto& s : f.stages) done = done && it->second.completed.count(s);
        if (done) {
            Completed out = std::move(it->second.completed);
            sessions_.erase(it); // a completed session authorises exactly one request
            co_return out;
        }
    }
    challenge(flows, id, it->second, params);
}

} // namespace myelin::account
