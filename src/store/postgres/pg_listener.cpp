#include "store/postgres/pg_listener.hpp"

#include "store/postgres/pg_url.hpp"
#include <stdexcept>

namespace myelin::store::postgres {

PgListener::PgListener(const std::string& url) {
    const char* keys[] = {"dbname", "client_encoding", nullptr};
    const char* values[] = {url.c_str(), "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        if (conn_) PQfinish(conn_);
        throw std::runtime_error("cannot open a LISTEN connection to " + redact_password(url) +
                                 ": " + msg);
    }
    PGresult* r = PQexec(conn_, "LISTEN myelin");
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        std::string msg = PQerrorMessage(conn_);
        PQfinish(conn_);
        throw std::runtime_error("LISTEN failed: " + msg);
    }
    // Reads never block the event loop: drain() is called when the socket is readable.
    PQsetnonblocking(conn_, 1);
}

PgListener::~PgListener() {
    if (conn_) PQfinish(conn_);
}

std::vector<std::string> PgListener::drain() {
    if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK)
        throw std::runtime_error(std::string("LISTEN connection lost: ") + PQerrorMessage(conn_));
    std::vector<std::string> out;
    while (PGnotify* n = PQnotifies(conn_)) {
        out.emplace_back(n->extra ? n->extra : "");
        PQfreemem(n);
    }
    return out;
}

} // namespace myelin::store::postgres
