#pragma once
// The error every layer throws when a request must fail with a Matrix error body.
// The net layer turns it into {"errcode","error"} with the given HTTP status.
#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>

namespace myelin {

// Error codes named in more than one place (plain `const char*`, like the literals they stand
// for).
namespace errcode {
inline constexpr const char* unknown = "M_UNKNOWN";
inline constexpr const char* invalid_param = "M_INVALID_PARAM";
inline constexpr const char* unrecognized = "M_UNRECOGNIZED";
inline constexpr const char* resource_limit_exceeded = "M_RESOURCE_LIMIT_EXCEEDED";
inline constexpr const char* user_in_use = "M_USER_IN_USE";
inline constexpr const char* unknown_token = "M_UNKNOWN_TOKEN";
inline constexpr const char* unauthorized = "M_UNAUTHORIZED";
inline constexpr const char* too_large = "M_TOO_LARGE";
inline constexpr const char* limit_exceeded = "M_LIMIT_EXCEEDED";
inline constexpr const char* invalid_signature = "M_INVALID_SIGNATURE";
inline constexpr const char* not_found = "M_NOT_FOUND";
inline constexpr const char* missing_token = "M_MISSING_TOKEN";
inline constexpr const char* invalid_username = "M_INVALID_USERNAME";
inline constexpr const char* forbidden = "M_FORBIDDEN";
inline constexpr const char* bad_json = "M_BAD_JSON";
inline constexpr const char* not_json = "M_NOT_JSON";
inline constexpr const char* missing_param = "M_MISSING_PARAM";
inline constexpr const char* cannot_overwrite_media = "M_CANNOT_OVERWRITE_MEDIA";
inline constexpr const char* not_yet_uploaded = "M_NOT_YET_UPLOADED";
} // namespace errcode

class MatrixError : public std::runtime_error {
public:
    MatrixError(int status, std::string errcode, const std::string& message)
        : std::runtime_error(message)
        , status_(status)
        , errcode_(std::move(errcode)) {}
    int status() const { return status_; }
    const std::string& errcode() const { return errcode_; }
    // Extra top-level fields, e.g. retry_after_ms for M_LIMIT_EXCEEDED.
    boost::json::object extra;

private:
    int status_;
    std::string errcode_;
};

// Shorthands for the errors the spec uses most.
inline MatrixError bad_json(const std::string& m) {
    return {400, errcode::bad_json, m};
}
inline MatrixError not_json(const std::string& m) {
    return {400, errcode::not_json, m};
}
inline MatrixError missing_param(const std::string& m) {
    return {400, errcode::missing_param, m};
}
inline MatrixError invalid_param(const std::string& m) {
    return {400, errcode::invalid_param, m};
}
inline MatrixError forbidden(const std::string& m) {
    return {403, errcode::forbidden, m};
}
inline MatrixError not_found(const std::string& m) {
    return {404, errcode::not_found, m};
}

} // namespace myelin
