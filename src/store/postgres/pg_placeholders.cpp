#include "store/postgres/pg_placeholders.hpp"

#include <stdexcept>

namespace myelin::store::postgres {

namespace {
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Copies a quoted run ('...' or "...", the quote doubled inside) starting at sql[i]; returns the
// index just past it.
std::size_t copy_quoted(std::string_view sql, std::size_t i, std::string& out) {
    char q = sql[i];
    out += sql[i++];
    while (i < sql.size()) {
        out += sql[i];
        if (sql[i++] == q) {
            if (i < sql.size() && sql[i] == q) {
                out += sql[i++]; // doubled quote: still inside
                continue;
            }
            break;
        }
    }
    return i;
}
} // namespace

RewrittenSql rewrite_placeholders(std::string_view sql) {
    RewrittenSql r;
    r.sql.reserve(sql.size());
    std::size_t i = 0;
    while (i < sql.size()) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            i = copy_quoted(sql, i, r.sql);
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            auto end = sql.find('\n', i);
            end = end == std::string_view::npos ? sql.size() : end;
            r.sql.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            auto end = sql.find("*/", i + 2);
            end = end == std::string_view::npos ? sql.size() : end + 2;
            r.sql.append(sql.substr(i, end - i));
            i = end;
        } else if (c == '?') {
            std::size_t j = i + 1;
            int n = 0;
            while (j < sql.size() && is_digit(sql[j]))
                n = n * 10 + (sql[j++] - '0');
            if (j == i + 1)
                throw std::invalid_argument("unnumbered ? parameter in: " + std::string(sql));
            r.sql += '$';
            r.sql.append(sql.substr(i + 1, j - i - 1));
            if (n > r.param_count) r.param_count = n;
            i = j;
        } else {
            r.sql += c;
            ++i;
        }
    }
    return r;
}

} // namespace myelin::store::postgres
