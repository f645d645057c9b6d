#include "sync_body.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <charconv>

namespace loadgen {

namespace json = boost::json;

namespace {
// "<run_id> <seq> <send_ns>"
bool parse_body(std::string_view body, std::string_view run_id, std::uint64_t& seq,
                std::int64_t& ns) {
    if (body.size() <= run_id.size() + 1 || body.substr(0, run_id.size()) != run_id ||
        body[run_id.size()] != ' ')
        return false;
    const char* p = body.data() + run_id.size() + 1;
    const char* end = body.data() + body.size();
    auto r1 = std::from_chars(p, end, seq);
    if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return false;
    auto r2 = std::from_chars(r1.ptr + 1, end, ns);
    return r2.ec == std::errc() && r2.ptr == end;
}
} // namespace

bool scan_sync_body(std::string_view text, std::string_view run_id, SyncSummary& out,
                    MessageVisitor& visitor) {
    // Most bodies are small; parse them without touching the heap.
    static thread_local unsigned char arena[64 * 1024];
    json::monotonic_resource mr(arena, sizeof arena);
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, &mr);
    if (ec || !v.is_object()) return false;
    const auto& root = v.get_object();
    if (const auto* nb = root.if_contains("next_batch"); nb && nb->is_string())
        out.next_batch.assign(nb->get_string().data(), nb->get_string().size());
    const auto* rooms = root.if_contains("rooms");
    if (!rooms || !rooms->is_object()) return true;
    const auto* join = rooms->get_object().if_contains("join");
    if (!join || !join->is_object()) return true;
    for (const auto& [room_id, room] : join->get_object()) {
        if (!room.is_object()) continue;
        const auto* tl = room.get_object().if_contains("timeline");
        if (!tl || !tl->is_object()) continue;
        if (const auto* lim = tl->get_object().if_contains("limited");
            lim && lim->is_bool() && lim->get_bool())
            ++out.limited_rooms;
        const auto* events = tl->get_object().if_contains("events");
        if (!events || !events->is_array()) continue;
        for (const auto& e : events->get_array()) {
            if (!e.is_object()) continue;
            const auto& eo = e.get_object();
            const auto* type = eo.if_contains("type");
            if (!type || !type->is_string() || type->get_string() != "m.room.message") continue;
            const auto* content = eo.if_contains("content");
            if (!content || !content->is_object()) continue;
            const auto* body = content->get_object().if_contains("body");
            if (!body || !body->is_string()) continue;
            FoundMessage m{std::string_view(room_id.data(), room_id.size()), 0, 0};
            if (parse_body(std::string_view(body->get_string().data(), body->get_string().size()),
                           run_id, m.seq, m.send_ns))
                visitor.on_message(m);
        }
    }
    return true;
}

} // namespace loadgen
