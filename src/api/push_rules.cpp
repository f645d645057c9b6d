// GET /pushrules/ and the per-rule endpoints.
#include "api/routes.hpp"
#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::api {

namespace {
void require_global(const Request& req) {
    if (req.param("scope") != "global") throw invalid_param("Only the 'global' scope exists");
}
std::optional<std::string> query(const Request& req, std::string_view name) {
    if (const auto* v = req.query_param(name)) return *v;
    return std::nullopt;
}
// GET .../enabled and .../actions: one field of the rule.
net::Handler rule_field(Services& s, std::string field) {
    return authed(s, [&s, field](Request& req, const account::Auth& auth) -> net::Awaitable {
        require_global(req);
        auto rr = s.push_rules.rule(auth.user_id, req.param("kind"), req.param("ruleId"));
        co_return Response::json(json::object{{field, rr.at(field)}});
    });
}
} // namespace

void add_push_rule_routes(net::Router& r, Services& s) {
    r.client(
        verb::get, "/pushrules",
        authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
            co_return Response::json(json::object{{"global", s.push_rules.ruleset(auth.user_id)}});
        }));
    r.client(verb::get, "/pushrules/global",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 co_return Response::json(s.push_rules.ruleset(auth.user_id));
             }));
    const std::string rule = "/pushrules/{scope}/{kind}/{ruleId}";
    r.client(verb::get, rule,
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 require_global(req);
                 co_return Response::json(
                     s.push_rules.rule(auth.user_id, req.param("kind"), req.param("ruleId")));
             }));
    r.client(verb::put, rule,
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 require_global(req);
                 auto body = req.json();
                 s.push_rules.put_rule(auth.user_id, req.param("kind"), req.param("ruleId"), body,
                                       query(req, "before"), query(req, "after"));
                 co_return Response::empty_object();
             }));
    r.client(verb::delete_, rule,
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 require_global(req);
                 s.push_rules.delete_rule(auth.user_id, req.param("kind"), req.param("ruleId"));
                 co_return Response::empty_object();
             }));
    r.client(verb::get, rule + "/enabled", rule_field(s, "enabled"));
    r.client(verb::put, rule + "/enabled",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 require_global(req);
                 auto body = req.json();
                 auto enabled = json_fields::opt_bool(body, "enabled");
                 if (!enabled) throw missing_param("Missing 'enabled'");
                 s.push_rules.set_enabled(auth.user_id, req.param("kind"), req.param("ruleId"),
                                          *enabled);
                 co_return Response::empty_object();
             }));
    r.client(verb::get, rule + "/actions", rule_field(s, "actions"));
    r.client(verb::put, rule + "/actions",
             authed(s, [&s](Request& req, const account::Auth& auth) -> net::Awaitable {
                 require_global(req);
                 auto body = req.json();
                 const auto* actions = json_fields::opt_array(body, "actions");
                 if (!actions) throw missing_param("Missing 'actions'");
                 s.push_rules.set_actions(auth.user_id, req.param("kind"), req.param("ruleId"),
                                          *actions);
                 co_return Response::empty_object();
             }));
}

} // namespace myelin::api
