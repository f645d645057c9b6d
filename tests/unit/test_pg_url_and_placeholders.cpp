// The PostgreSQL driver's pure parts: ?N -> $N placeholder rewriting and password redaction.
#include "store/postgres/pg_placeholders.hpp"
#include "store/postgres/pg_url.hpp"
#include <gtest/gtest.h>
#include <stdexcept>

using myelin::store::postgres::is_postgres_url;
using myelin::store::postgres::redact_password;
using myelin::store::postgres::rewrite_placeholders;

TEST(PgPlaceholders, NumberedParametersBecomeDollarParameters) {
    auto r = rewrite_placeholders("SELECT a FROM t WHERE b = ?1 AND (?12 IS NULL OR c = ?2)");
    EXPECT_EQ(r.sql, "SELECT a FROM t WHERE b = $1 AND ($12 IS NULL OR c = $2)");
    EXPECT_EQ(r.param_count, 12);
}

TEST(PgPlaceholders, RepeatedParameterKeepsItsNumber) {
    auto r =
        rewrite_placeholders("DELETE FROM t WHERE a = ?1 AND b < (SELECT x FROM t WHERE a = ?1)");
    EXPECT_EQ(r.sql, "DELETE FROM t WHERE a = $1 AND b < (SELECT x FROM t WHERE a = $1)");
    EXPECT_EQ(r.param_count, 1);
}

TEST(PgPlaceholders, LiteralsIdentifiersAndCommentsAreLeftAlone) {
    auto r = rewrite_placeholders("SELECT '?1', 'it''s ?2', \"col?3\" -- ?4\n, ?5 /* ?6 */ FROM t");
    EXPECT_EQ(r.sql, "SELECT '?1', 'it''s ?2', \"col?3\" -- ?4\n, $5 /* ?6 */ FROM t");
    EXPECT_EQ(r.param_count, 5);
}

TEST(PgPlaceholders, NoParameters) {
    auto r = rewrite_placeholders("SELECT COUNT(*) FROM users");
    EXPECT_EQ(r.sql, "SELECT COUNT(*) FROM users");
    EXPECT_EQ(r.param_count, 0);
}

TEST(PgPlaceholders, UnnumberedParameterIsRejected) {
    EXPECT_THROW(rewrite_placeholders("SELECT a FROM t WHERE b = ?"), std::invalid_argument);
}

TEST(PgUrl, RecognizesBothSchemes) {
    EXPECT_TRUE(is_postgres_url("postgresql://u@h/db"));
    EXPECT_TRUE(is_postgres_url("postgres://u@h/db"));
    EXPECT_FALSE(is_postgres_url("sqlite:./data/myelin.db"));
}

TEST(PgUrl, PasswordIsRedacted) {
    EXPECT_EQ(redact_password("postgresql://myelin:s3cr3t@db.example:5432/myelin"),
              "postgresql://myelin:***@db.example:5432/myelin");
    EXPECT_EQ(redact_password("postgresql://myelin:p%40ss@db/x?sslmode=require&password=two"),
              "postgresql://myelin:***@db/x?sslmode=require&password=***");
    EXPECT_EQ(redact_password("postgresql://db/x?password=abc"), "postgresql://db/x?password=***");
}

TEST(PgUrl, UrlWithoutPasswordIsUnchanged) {
    EXPECT_EQ(redact_password("postgresql://postgres@127.0.0.1:5432/db"),
              "postgresql://postgres@127.0.0.1:5432/db");
    EXPECT_EQ(redact_password("postgresql://127.0.0.1/db"), "postgresql://127.0.0.1/db");
    EXPECT_EQ(redact_password("postgresql://u@h/db?user=a:b"), "postgresql://u@h/db?user=a:b");
}
