#pragma once
// PostgreSQL connection URLs (postgresql://user:password@host:port/dbname?param=value).
#include <string>
#include <string_view>

namespace myelin::store::postgres {

// True for URLs this backend opens: postgresql://... or postgres://...
bool is_postgres_url(std::string_view url);

// The URL with any password replaced by "***", for messages and logs.
std::string redact_password(std::string_view url);

} // namespace myelin::store::postgres
