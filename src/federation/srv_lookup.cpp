#include "federation/srv_lookup.hpp"

#include <algorithm>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

namespace myelin::federation {

std::vector<SrvTarget> srv_lookup(const std::string& name) {
    std::vector<SrvTarget> out;
    struct __res_state state {};
    if (res_ninit(&state) != 0) return out;
    unsigned char answer[4096];
    int len = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer, sizeof answer);
    if (len > 0) {
        ns_msg msg;
        if (ns_initparse(answer, len, &msg) == 0) {
            int count = ns_msg_count(msg, ns_s_an);
            for (int i = 0; i < count; ++i) {
                ns_rr rr;
                if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv ||
                    ns_rr_rdlen(rr) < 7)
                    continue;
                const unsigned char* p = ns_rr_rdata(rr);
                SrvTarget t;
                t.priority = ns_get16(p);
                t.weight = ns_get16(p + 2);
                t.port = static_cast<unsigned short>(ns_get16(p + 4));
                char host[NS_MAXDNAME];
                if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), p + 6, host, sizeof host) < 0)
                    continue;
                t.host = host;
                out.push_back(std::move(t));
            }
        }
    }
    res_nclose(&state);
    if (out.size() == 1 && (out[0].host.empty() || out[0].host == ".")) out.clear();
    std::stable_sort(out.begin(), out.end(), [](const SrvTarget& a, const SrvTarget& b) {
        return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
    });
    return out;
}

} // namespace myelin::federation
