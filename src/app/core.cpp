#include "app/core.hpp"

#include "room/server_keys.hpp"
#include "util/clock.hpp"

#include <spdlog/spdlog.h>

namespace myelin::app {

namespace asio = boost::asio;

namespace {
// How often deferred push actions are written (one process).
constexpr auto kPushActionsFlush = std::chrono::milliseconds(200);

// The media settings, with the moment of the spec's freeze of unauthenticated media: recorded
// the first time the server starts with it (a server that served everything until now keeps
// serving what it had to the old clients that know those URLs).
media::MediaSettings media_settings(const Config& cfg, store::Store& st) {
    auto m = cfg.media_settings();
    if (!m.unauthenticated_all)
        m.unauthenticated_before_ts = std::stoll(
            st.put_meta_once("media_unauthenticated_frozen_ts", std::to_string(util::now_ms())));
    return m;
}
} // namespace

Core::Core(const Config& c, asio::io_context& ctx, std::unique_ptr<store::Store> s)
    : cfg(c)
    , io(ctx)
    , store(std::move(s))
    , db(*store,
         cfg.database_threads < 0 ? store::default_database_threads(cfg.database)
                                  : static_cast<std::size_t>(cfg.database_threads),
         [this] { return store::open_worker_store(cfg.database, cfg.sqlite_synchronous); })
    , pool(cfg.worker_threads)
    , signing_key(room::load_or_create_signing_key(*store))
    , own_keys(cfg.server_name, signing_key, cfg.federation.key_validity,
               room::old_verify_keys(*store))
    , accounts(cfg.account_settings(), *store, pool, feed, &db)
    , rooms(cfg.server_name, *store, signing_key, feed)
    , reader(rooms, *store, *store)
    , directory(rooms, *store, *store)
    , account_data(*store, feed)
    , notifier(io.get_executor(),
               [this](const std::string& room_id) {
                   std::vector<std::string> users;
                   for (auto& m : store->members(room_id))
                       if (m.membership == "join") users.push_back(std::move(m.user_id));
                   return users;
               })
    , typing(io.get_executor(), feed)
    , receipts(rooms, *store, *store, account_data, feed)
    , keys(cfg.server_name, rooms, *store, *store, feed)
    , key_backup(*store)
    , push_rules(account_data)
    , notifications(rooms, *store, *store, *store, push_rules, feed)
    , presence(*store, io.get_executor(), feed, std::chrono::seconds(cfg.presence_offline_after_s),
               cfg.presence_enabled)
    , replicator(io.get_executor(), *store, rooms, typing, presence, feed)
    , sync(rooms, reader, notifier, typing, keys, notifications, presence, *store, db)
    , to_device(cfg.server_name, *store, *store, feed, cfg.to_device_max_pending,
                cfg.to_device_max_pending_bytes)
    , stream_limits(cfg.sse_max_streams_per_device, cfg.sse_max_streams_per_user)
    , longpoll_limits(cfg.sync_max_longpolls_per_device, cfg.sync_max_longpolls_per_user)
    , filters(*store)
    , media(media_settings(cfg, *store), *store, pool)
    , previews(cfg.url_preview, media, *store, pool, io.get_executor())
    , federation(cfg.federation, own_keys, *store, pool, io.get_executor())
    , sync_listener(notifier, sync, rooms, *store) {
    wire();
}

api::Services Core::services() {
    return api::Services{
        cfg,      accounts,      rooms,           reader,   directory, account_data, sync,
        filters,  push_rules,    typing,          receipts, to_device, keys,         key_backup,
        presence, stream_limits, longpoll_limits, media,    previews,  own_keys,     federation};
}

void Core::start() {
    presence.start();
    replicator.start();
}

void Core::stopping() {
    sync.stopping = true;
    presence.stop();
    typing.stop();
    replicator.stop();
    notifications.stop();
    notifier.wake_all();
}

void Core::stopped() {
    pool.stop();
    db.stop();
    notifications.flush(); // push actions still queued
}

// Who hears of what. Every change goes through `feed`; its subscribers run in the order below,
// which matters: push counting before the notifier (the streams it wakes read the counts from
// the sync caches), the replicator before the notifier (a woken sync on another process must
// find the notification sent), the notifier last.
void Core::wire() {
    feed.subscribe("push counting", [&](const feed::Change& c) {
        // Push actions are computed once, by the process that stored the event.
        if (c.kind == feed::Kind::room_event && c.local()) notifications.on_event(*c.event);
    });
    feed.subscribe("device keys", [&](const feed::Change& c) {
        if (c.kind == feed::Kind::device_removed && c.local())
            keys.device_deleted(std::string(c.user), std::string(c.device));
    });
    feed.subscribe("push rules cache", [&](const feed::Change& c) {
        // Another process may have changed the user's account data, push rules among it.
        if (c.kind == feed::Kind::user_changed) push_rules.forget(std::string(c.user));
    });
    feed.subscribe("replicator", [&](const feed::Change& c) { replicator.on_change(c); });
    feed.subscribe("sync notifier", [&](const feed::Change& c) { sync_listener(c); });

    // Several processes: what the feed cannot express, because it is about when and from where
    // this process reads, not about what changed.
    if (replicator.enabled()) {
        // Wake-ups follow writes that already succeeded: a failure to catch up (the database
        // went away) must not fail that request; the poll catches up later.
        notifier.before_wake = [&] { replicator.try_catch_up(); };
        rooms.on_head_moved = [&] { replicator.catch_up(); };
        rooms.replicated = true;
        sync.position = [&](std::int64_t since) { return replicator.position(since); };
    }
    // The sync caches (sync/sync_caches.hpp) learn of changes only through the notifier.
    notifier.caches().set_position_source([this] { return store->max_stream_position(); });
    // Several processes: another process's per-user changes reach this notifier only after they
    // are visible in the store, so the per-user caches are never trusted and syncs ask the store.
    if (replicator.enabled()) notifier.caches().complete_up_to = [] { return std::int64_t(0); };
    // One process: the push actions of messages are written in one transaction at most every
    // kPushActionsFlush, after the streams they woke have run (their counts come from the sync
    // caches, which the push_actions change updated at once; a count read from the store
    // writes what is queued first). With several processes the others read counts from the
    // store only, so the actions are written at once.
    if (!replicator.enabled()) {
        notifications.defer_writes(io.get_executor(), kPushActionsFlush);
        if (auto n = notifications.recover())
            spdlog::info("push actions: evaluated {} events again (queued at the last stop)", n);
    }
}

} // namespace myelin::app
