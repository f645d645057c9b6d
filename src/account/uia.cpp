#include "account/uia.hpp"

#include "util/clock.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"
#include <optional>

namespace myelin::account {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t kSessionLifetimeMs = 30 * 60 * 1000;

Uia::Completed parse_completed(const std::string& text) {
    Uia::Completed out;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (!ec && v.is_object())
        for (const auto& [k, a] : v.get_object())
            if (a.is_object()) out[std::string(k)] = a.get_object();
    return out;
}

std::string serialize_completed(const Uia::Completed& c) {
    json::object o;
    for (const auto& [k, a] : c)
        o[k] = a;
    return json::serialize(o);
}
} // namespace

void Uia::challenge(const std::vector<UiaFlow>& flows, const std::string& id,
                    const Completed& completed, const json::object& params, const char* errcode,
                    const std::string& error) {
    MatrixError e(401, errcode ? errcode : errcode::unauthorized,
                  errcode ? error : "Additional authentication is required");
    json::array fl;
    for (const auto& f : flows) {
        json::array st;
        for (const auto& x : f.stages)
            st.emplace_back(x);
        fl.emplace_back(json::object{{"stages", std::move(st)}});
    }
    e.extra["flows"] = std::move(fl);
    e.extra["params"] = params;
    e.extra["session"] = id;
    if (!completed.empty()) {
        json::array done;
        for (const auto& c : completed)
            done.emplace_back(c.first);
        e.extra["completed"] = std::move(done);
    }
    throw e;
}

boost::asio::awaitable<Uia::Completed> Uia::require(const json::object& body,
                                                    const std::vector<UiaFlow>& flows,
                                                    const std::string& operation, StageCheck check,
                                                    json::object params) {
    auto now = util::now_ms();
    store_.expire_uia_sessions(now - kSessionLifetimeMs);
    const json::object* auth = json_fields::opt_object(body, "auth");
    std::string id;
    if (auth) {
        if (auto sid = json_fields::opt_string(*auth, "session")) id = *sid;
    }
    if (id.empty()) {
        id = util::random_token(18);
        store_.put_uia_session(id, store::UiaSession{operation, "{}", now});
    }
    auto session = store_.get_uia_session(id);
    if (!session) throw MatrixError(400, errcode::unknown, "Unknown UIA session");
    if (session->operation != operation)
        throw MatrixError(400, errcode::unknown, "UIA session belongs to another request");
    auto completed = parse_completed(session->completed);
    if (!auth) challenge(flows, id, completed, params);

    if (auto type = json_fields::opt_string(*auth, "type")) {
        bool known = false;
        for (const auto& f : flows)
            for (const auto& s : f.stages)
                known = known || s == *type;
        if (!known)
            challenge(flows, id, completed, params, errcode::unrecognized,
                      "Authentication type not offered: " + *type);
        std::optional<MatrixError> failed;
        try {
            co_await check(*type, *auth);
        } catch (const MatrixError& e) {
            failed = e;
        }
        // Read again: the check can take a while (a password hash off-loop), and another
        // request of the session may have completed a stage meanwhile.
        session = store_.get_uia_session(id);
        if (!session) throw MatrixError(400, errcode::unknown, "UIA session expired");
        completed = parse_completed(session->completed);
        if (failed)
            challenge(flows, id, completed, params, failed->errcode().c_str(), failed->what());
        completed[*type] = *auth;
    }
    for (const auto& f : flows) {
        bool done = true;
        for (const auto& s : f.stages)
            done = done && completed.count(s);
        if (done) {
            // A completed session authorises exactly one request, on whichever process.
            if (!store_.take_uia_session(id))
                throw MatrixError(400, errcode::unknown, "UIA session already used");
            co_return completed;
        }
    }
    session->completed = serialize_completed(completed);
    store_.put_uia_session(id, *session);
    challenge(flows, id, completed, params);
}

} // namespace myelin::account
