#pragma once
// The error every layer throws when a request must fail with a Matrix error body.
// The net layer turns it into {"errcode","error"} with the given HTTP status.
#include <boost/json/object.hpp>
#include <stdexcept>
#include <string>

namespace myelin {

class MatrixError : public std::runtime_error {
public:
    MatrixError(int status, std::string errcode, const std::string& message)
        : std::runtime_error(message), status_(status), errcode_(std::move(errcode)) {}
    int status() const { return status_; }
    const std::string& errcode() const { return errcode_; }
    // Extra top-level fields, e.g. retry_after_ms for M_LIMIT_EXCEEDED.
    boost::json::object extra;

private:
    int status_;
    std::string errcode_;
};

// Shorthands for the errors the spec uses most.
inline MatrixError bad_json(const std::string& m) { return {400, "M_BAD_JSON", m}; }
inline MatrixError not_json(const std::string& m) { return {400, "M_NOT_JSON", m}; }
inline MatrixError missing_param(const std::string& m) { return {400, "M_MISSING_PARAM", m}; }
inline MatrixError invalid_param(const std::string& m) { return {400, "M_INVALID_PARAM", m}; }
inline MatrixError forbidden(const std::string& m) { return {403, "M_FORBIDDEN", m}; }
inline MatrixError not_found(const std::string& m) { return {404, "M_NOT_FOUND", m}; }

} // namespace myelin
