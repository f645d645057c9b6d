#pragma once
// LISTEN on its own libpq connection: the other Myelin processes on the database NOTIFY the
// "myelin" channel when they store something (SqlStore::notify_peers).
#include "store/store.hpp"
#include <libpq-fe.h>
#include <string>

namespace myelin::store::postgres {

class PgListener final : public PeerListener {
public:
    explicit PgListener(const std::string& url);
    ~PgListener() override;
    PgListener(const PgListener&) = delete;
    PgListener& operator=(const PgListener&) = delete;

    int socket() const override { return PQsocket(conn_); }
    std::vector<std::string> drain() override;

private:
    PGconn* conn_ = nullptr;
};

} // namespace myelin::store::postgres
