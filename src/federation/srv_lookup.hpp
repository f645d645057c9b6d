#pragma once
// DNS SRV records (RFC 2782) through the system's resolver (glibc's libresolv). Blocking: call
// it on the worker pool.
#include <string>
#include <vector>

namespace myelin::federation {

struct SrvTarget {
    int priority = 0;
    int weight = 0;
    std::string host;
    unsigned short port = 0;
};

// The records of `name` (e.g. "_matrix-fed._tcp.example.org"), lowest priority first and, within
// one, highest weight first; empty when there are none or the lookup fails. A single record
// with target "." (the service is decidedly not available) also gives none.
std::vector<SrvTarget> srv_lookup(const std::string& name);

} // namespace myelin::federation
