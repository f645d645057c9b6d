#include "net/request.hpp"

#include "util/json_fields.hpp"
#include "util/matrix_error.hpp"

namespace myelin::net {

const std::string* Request::query_param(std::string_view name) const {
    auto it = query.find(std::string(name));
    return it == query.end() ? nullptr : &it->second;
}

std::string_view Request::header(http::field f) const {
    if (!headers) return {};
    auto it = headers->find(f);
    return it == headers->end() ? std::string_view{} : std::string_view(it->value());
}

std::vector<std::string_view> Request::header_values(http::field f) const {
    std::vector<std::string_view> out;
    if (!headers) return out;
    for (auto [it, end] = headers->equal_range(f); it != end; ++it)
        out.emplace_back(it->value());
    return out;
}

std::string_view Request::header(std::string_view name) const {
    if (!headers) return {};
    auto it = headers->find(name);
    return it == headers->end() ? std::string_view{} : std::string_view(it->value());
}

const std::string& Request::param(std::string_view name) const {
    static const std::string empty;
    auto it = params.find(name);
    return it == params.end() ? empty : it->second;
}

boost::json::object Request::json() const {
    return json_fields::parse_object(body);
}

Response Response::json(const boost::json::value& v, unsigned status) {
    Response r;
    r.status = status;
    r.body = boost::json::serialize(v);
    return r;
}

Response error_response(unsigned status, std::string_view errcode, std::string_view message,
                        const boost::json::object* extra) {
    boost::json::object o;
    if (extra) o = *extra;
    o["errcode"] = errcode;
    o["error"] = message;
    return Response::json(o, status);
}

} // namespace myelin::net
