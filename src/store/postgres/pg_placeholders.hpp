#pragma once
// The store's SQL numbers its parameters ?1, ?2, ... (SQLite style); PostgreSQL wants $1, $2, ...
#include <string>
#include <string_view>

namespace myelin::store::postgres {

struct RewrittenSql {
    std::string sql;     // with $N for every ?N
    int param_count = 0; // the highest N
};

// Rewrites ?N to $N outside string literals, quoted identifiers and comments.
// Throws std::invalid_argument for a bare "?" (unnumbered parameters are not supported).
RewrittenSql rewrite_placeholders(std::string_view sql);

} // namespace myelin::store::postgres
