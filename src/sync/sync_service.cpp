#include "sync/sync_service.hpp"
#include "event/event_types.hpp"

#include "sync/sync_context.hpp"

#include "event/redaction.hpp"
#include "room/client_format.hpp"
#include "room/room_mates.hpp"
#include "room/visibility.hpp"
#include "util/json_fields.hpp"
#include "util/json_writer.hpp"
#include "util/matrix_error.hpp"
#include "util/stream_token.hpp"
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <set>

namespace myelin::sync {

namespace json = boost::json;
namespace asio = boost::asio;

SyncService::SyncService(room::RoomService& rooms, room::RoomReader& reader, Notifier& notifier,
                         room::TypingService& typing, e2ee::KeyService& keys,
                         push::NotificationCounter& notifications,
                         presence::PresenceService& presence, store::Store& store,
                         store::DbPool& db)
    : rooms_(rooms)
    , reader_(reader)
    , store_(store)
    , db_(db)
    , notifier_(notifier)
    , typing_(typing)
    , keys_(keys)
    , notifications_(notifications)
    , presence_(presence)
    , cache_(reader)
    , caches_(notifier.caches()) {}

void SyncService::event_redacted(const std::string& event_id) {
    cache_.invalidate(event_id);
    timelines_.clear();
    room_json_.clear();
    members_at_.clear();
}

// The usual case (a message's sender joined before it, a room's name was set before the
// position asked for) is answered from memory. Positions up to a sync's are applied to the
// room cache before the sync sees them (current_position).
const store::StoredEvent* SyncService::current_state_at(const std::string& room_id,
                                                        const std::string& type,
                                                        const std::string& key, std::int64_t at) {
    const auto* state = rooms_.state(room_id);
    if (!state) return nullptr;
    auto it = state->find({type, key});
    return it != state->end() && it->second->row.stream_ordering <= at ? &it->second->row : nullptr;
}

std::optional<store::StoredEvent>
SyncService::member_at(const std::string& room_id, const std::string& user_id, std::int64_t at) {
    if (const auto* row = current_state_at(room_id, event_type::member, user_id, at)) return *row;
    auto key = room_id + "|" + user_id + "|" + std::to_string(at);
    if (const auto* hit = members_at_.find(key)) return *hit;
    return members_at_.put(key, store_.state_event_at(room_id, event_type::member, user_id, at));
}

SyncToken SyncService::parse_since(const std::string& token) {
    auto t = tokens::parse_sync_token(token);
    if (!t) throw invalid_param("Malformed 'since' token");
    // Positions only grow, so a token at or below one the store has already reported is known;
    // only a newer one asks the store (with several processes, another may have written it).
    if (t->pos > known_max_position_)
        known_max_position_ = std::max(known_max_position_, store_.max_stream_position());
    if (t->pos > known_max_position_)
        throw invalid_param("Unknown 'since' token: it is ahead of this server");
    return *t;
}

std::int64_t SyncService::current_position(std::int64_t since) {
    // Several processes: up to what this one has applied (cluster::Replicator), and never
    // below `since` (if catching up failed), so that a token never goes backwards.
    if (position) return std::max(position(since), since);
    // Incremental syncs (the ones a wake-up runs by the thousand) share the position read
    // after the last notifier call. Never below `since`: a token must not go backwards (that
    // would deliver the range again).
    return caches_.max_position([this] { return store_.max_stream_position(); }, since);
}

asio::awaitable<SyncResult> SyncService::compute(const SyncRequest& req) {
    Ctx c{req};
    begin_step(c);
    co_await fetch_own_step(c);
    co_return co_await sections_step(c);
}

void SyncService::begin_step(Ctx& c) {
    const auto& req = c.req;
    c.initial = !req.since.has_value();
    c.full_all = c.initial || req.full_state;
    c.since = req.since.value_or(0);
    // A first sync reads the store, so it also covers writes whose wake-up is still to come
    // (presence is announced in batches).
    if (!position && !req.since) caches_.changed();
    c.pos = current_position(c.since);
    c.base = c.initial ? 0 : presence_.presence_only_floor(c.since);
    c.range = range_key(c.base, c.pos);
    c.typing_serial = typing_.serial();
    if (c.initial && req.filter.state.lazy_load_members)
        lazy_members_.reset_device(req.user_id + "|" + req.device_id);
    // What is the same for every sync over (base, pos] is read once per range (sync_caches.hpp),
    // here on the loop: the streams a wake-up resumes share the one read.
    if (!c.initial) {
        const auto* receipts = caches_.receipts.find(c.range);
        if (!receipts)
            receipts = &caches_.receipts.put(c.range, store_.receipts_between(c.base, c.pos));
        for (const auto& r : *receipts)
            c.room_receipts[r.room_id].push_back(r);
    }
    // The notifier records every change of the caller's own (its wake_user and membership
    // paths); see SyncCaches::user_quiet for when this is trusted.
    c.quiet = !c.full_all && caches_.user_quiet(req.user_id, c.since, c.pos);
    if (!c.full_all) ++(c.quiet ? caches_.stats.user_quiet : caches_.stats.user_asked);
    c.read_key_counts = !caches_.key_counts(req.user_id, req.device_id, c.pos);
}

// Account data, memberships, to-device messages (acknowledging what the token covers) and,
// when not cached, one-time key counts, in one hand-off. Only copies go to the database thread, and
// it touches no cache; the room cache may move past c.pos meanwhile, which the sections allow for
// (joined_at, current_state_at).
asio::awaitable<void> SyncService::fetch_own_step(Ctx& c) {
    struct Query {
        std::string user, device;
        bool initial, full_all, quiet, acknowledge, to_device, key_counts;
        std::int64_t since, pos, to_device_from;
    };
    const auto& req = c.req;
    Query q{req.user_id,
            req.device_id,
            c.initial,
            c.full_all,
            c.quiet,
            req.since && req.acknowledges,
            !c.quiet || req.since_to_device.has_value(),
            c.read_key_counts,
            c.since,
            c.pos,
            c.initial ? 0 : req.since_to_device.value_or(c.since)};
    // The closure holds a reference only: GCC 12 mis-destroys a temporary with members that
    // own memory when it lives across a co_await.
    c.own = co_await db_.run([&q](store::Store& s) {
        OwnRows own;
        if (!q.quiet) own.account_data = s.account_data_since(q.user, q.initial ? 0 : q.since);
        if (q.full_all)
            own.memberships = s.memberships_of(q.user);
        else if (!q.quiet)
            own.memberships = s.membership_changes(q.user, q.since, q.pos);
        if (q.acknowledge) s.ack_to_device(q.user, q.device, q.to_device_from);
        if (q.to_device)
            own.to_device =
                s.to_device_for(q.user, q.device, q.to_device_from, q.pos, kToDeviceBatch + 1);
        if (q.key_counts)
            own.key_counts = KeyCounts{e2ee::KeyService::one_time_key_counts(s, q.user, q.device),
                                       s.unused_fallback_key_types(q.user, q.device)};
        return own;
    });
}

asio::awaitable<SyncResult> SyncService::sections_step(Ctx& c) {
    SyncResponse r;
    r.account_data = account_data_section(c); // first: the rooms read their account data
    r.rooms = rooms_section(c);
    if (!c.unread_later.empty()) co_await fetch_unread_step(c, r.rooms);
    r.to_device = to_device_section(c);
    r.device_lists = device_lists_section(c);
    r.presence = presence_section(c);
    r.key_counts = key_counts_section(c);
    r.next_batch = tokens::format_sync_token(SyncToken{c.pos, c.typing_serial, r.to_device.cursor});
    co_return SyncResult{write_sync_response(r), r.empty(),          c.pos,
                         c.typing_serial,        r.to_device.cursor, r.next_batch};
}

// Push actions still queued are written first (on the loop: they are this process's own), so
// that the counts include every evaluated event. The counts read here are not cached: an event
// or receipt may have changed them while they were read.
asio::awaitable<void> SyncService::fetch_unread_step(Ctx& c, RoomsPart& rooms) {
    notifications_.flush();
    const auto& user = c.req.user_id;
    const auto& wanted = c.unread_later;
    auto counts = co_await db_.run([&user, &wanted](store::Store& s) {
        std::vector<UnreadCounts> out;
        for (const auto& room_id : wanted)
            out.push_back(s.unread_counts(user, room_id));
        return out;
    });
    for (std::size_t i = 0; i < wanted.size(); ++i)
        for (auto* list : {&rooms.join, &rooms.leave})
            for (auto& entry : *list) {
                if (entry.room_id != wanted[i]) continue;
                auto at = entry.json.find(kUnreadMarker);
                if (at == std::string::npos) continue;
                std::string text;
                write_unread_counts(c, text, counts[i]);
                entry.json.replace(at, kUnreadMarker.size(), text);
            }
}

asio::awaitable<SyncResult>
SyncService::wait_for(SyncRequest req, std::chrono::milliseconds timeout,
                      std::function<bool()> gone,
                      std::function<void(std::function<void()>)> on_gone) {
    // A long-poll usually comes right after its previous answer, with nothing new yet. Every
    // change a sync reports has a stream position, except typing, which has its serial: when
    // neither moved past the token there is nothing to compute before waiting. (Acknowledging
    // to-device messages then waits for the answer's compute; it only deletes what the token
    // already covers, so doing it later loses nothing.)
    const bool nothing_new = req.since && !req.since_to_device && !req.full_state &&
                             timeout.count() > 0 && current_position(*req.since) == *req.since &&
                             !typing_.any_changed_since(req.since_typing);
    SyncResult result;
    if (!nothing_new) {
        result = co_await compute(req);
        if (!result.empty || !req.since || req.full_state || timeout.count() == 0) co_return result;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto w = notifier_.subscribe(req.user_id);
    w->wants_presence = wants_presence(req);
    if (on_gone) on_gone([w] { Notifier::wake(*w); });
    notifier_.set_deadline(*w, deadline);
    while (!stopping && !(gone && gone())) {
        w->woken = false;
        co_await w->signal.async_wait(asio::use_awaitable);
        if (gone && gone()) break;
        if (w->woken && !stopping) {
            result = co_await compute(req);
            if (!result.empty) {
                notifier_.unsubscribe(req.user_id, w);
                co_return result;
            }
        }
        if (w->expired || std::chrono::steady_clock::now() >= deadline) break;
    }
    notifier_.unsubscribe(req.user_id, w);
    // Nothing for this caller: an empty response that leaves the position where it was.
    auto token = tokens::format_sync_token(SyncToken{*req.since, req.since_typing});
    util::JsonWriter out;
    out.begin_object().key("next_batch").string(token).end_object();
    co_return SyncResult{out.take(), true, *req.since, req.since_typing, std::nullopt, token};
}

} // namespace myelin::sync
