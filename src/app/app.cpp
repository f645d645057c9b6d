#include "app/app.hpp"

#include "account/account_data.hpp"
#include "account/account_service.hpp"
#include "api/routes.hpp"
#include "cluster/replicator.hpp"
#include "e2ee/key_backup.hpp"
#include "e2ee/key_service.hpp"
#include "e2ee/to_device.hpp"
#include "event/redaction.hpp"
#include "net/http_server.hpp"
#include "net/loop_lag.hpp"
#include "presence/presence_service.hpp"
#include "push/notification_counter.hpp"
#include "push/push_rules.hpp"
#include "room/receipts.hpp"
#include "room/room_directory.hpp"
#include "room/room_reader.hpp"
#include "room/room_service.hpp"
#include "room/server_keys.hpp"
#include "room/typing.hpp"
#include "store/store.hpp"
#include "sync/sse_session.hpp"
#include "sync/sync_service.hpp"
#include "util/blocking_pool.hpp"
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

namespace myelin::app {

namespace asio = boost::asio;

namespace {
// Every client connection is a file descriptor; the default soft limit (often 1024) would cap
// the server far below the idle-stream counts it is built for.
void raise_fd_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
        spdlog::debug("file descriptor limit {}", static_cast<unsigned long>(lim.rlim_cur));
}
} // namespace

int serve(const Config& cfg) {
    raise_fd_limit();
    auto serve_lock = store::lock_for_serving(cfg.database);
    auto store = store::open_store(cfg.database, cfg.sqlite_synchronous);
    asio::io_context io(1);
    util::BlockingPool pool(cfg.worker_threads);
    account::AccountService accounts(cfg.account_settings(), *store, pool);
    room::RoomService rooms(cfg.server_name, *store, room::load_or_create_signing_key(*store));
    room::RoomReader reader(rooms);
    room::RoomDirectory directory(rooms);
    account::AccountDataService account_data(*store);
    sync::Notifier notifier(io.get_executor(), [&store](const std::string& room_id) {
        std::vector<std::string> users;
        for (auto& m : store->members(room_id))
            if (m.membership == "join") users.push_back(std::move(m.user_id));
        return users;
    });
    room::TypingService typing(io.get_executor());
    room::ReceiptService receipts(rooms, account_data);
    e2ee::KeyService keys(cfg.server_name, rooms);
    e2ee::KeyBackupService key_backup(*store);
    push::PushRuleService push_rules(account_data);
    push::NotificationCounter notifications(rooms, push_rules);
    // Several processes on one database: keeps this one in step with the others (a no-op
    // with one process).
    cluster::Replicator replicator(io.get_executor(), *store, rooms);
    if (replicator.enabled()) {
        // Wake-ups follow writes that already succeeded: a failure to catch up (the database
        // went away) must not fail that request; the poll catches up later.
        notifier.before_wake = [&] { replicator.try_catch_up(); };
        rooms.on_head_moved = [&] { replicator.catch_up(); };
        rooms.replicated = true;
    }
    rooms.on_local_event.push_back([&](const room::Event& e) {
        notifications.on_event(e);
        replicator.events_stored();
    });
    presence::PresenceService presence(*store, io.get_executor(),
                                       std::chrono::seconds(cfg.presence_offline_after_s),
                                       cfg.presence_enabled);
    sync::SyncService sync(rooms, reader, notifier, typing, keys, notifications, presence);
    if (replicator.enabled())
        sync.position = [&](std::int64_t since) { return replicator.position(since); };
    // Typing and receipts are ephemeral room data: they wake the room's members like events.
    typing.on_change = [&](const std::string& room_id) {
        notifier.on_room_event(room_id, nullptr, nullptr);
    };
    typing.on_set = [&](const std::string& room_id, const std::string& user_id, bool on,
                        std::chrono::milliseconds timeout) {
        replicator.typing(room_id, user_id, on, timeout);
    };
    receipts.on_change = [&](const std::string& room_id, const std::string& user_id) {
        notifier.on_receipt(room_id, user_id);
        replicator.receipt(room_id, user_id);
    };
    // The sync caches (sync/sync_caches.hpp) learn of changes only through the notifier.
    notifier.caches().set_position_source([&store] { return store->max_stream_position(); });
    // Several processes: another process's per-user changes reach this notifier only after they
    // are visible in the store, so the per-user caches are never trusted and syncs ask the store.
    if (replicator.enabled()) notifier.caches().complete_up_to = [] { return std::int64_t(0); };
    notifications.on_actions = [&](const std::string& room_id, std::int64_t pos,
                                   const std::vector<store::PushAction>& actions) {
        notifier.on_push_actions(room_id, pos, actions);
    };
    // One process: the push actions of messages are written in one transaction at most every
    // kPushActionsFlush, after the streams they woke have run (their counts come from the sync
    // caches, which on_actions updated at once; a count read from the store writes what is
    // queued first). Each write records the position it covers, and recover() evaluates what
    // a crash left queued again. With several processes the others read counts from the
    // store only, so the actions are written at once.
    constexpr auto kPushActionsFlush = std::chrono::milliseconds(200);
    asio::steady_timer push_flush_timer(io);
    if (!replicator.enabled()) {
        notifications.defer = [&] {
            push_flush_timer.expires_after(kPushActionsFlush);
            push_flush_timer.async_wait([&](const boost::system::error_code& ec) {
                if (ec) return;
                // Behind the handlers already queued: a fan-out to 10,000 streams may still be
                // delivering, and writing 10,000 rows in its middle would delay the rest.
                asio::post(io, [&] {
                    asio::post(io, [&] {
                        try {
                            notifications.flush();
                        } catch (const std::exception& e) {
                            spdlog::warn("storing push actions failed (kept for a retry): {}",
                                         e.what());
                        }
                    });
                });
            });
        };
        if (auto n = notifications.recover())
            spdlog::info("push actions: evaluated {} events again (queued at the last stop)", n);
    }
    keys.on_key_counts_changed = [&](const std::string& user_id) {
        notifier.on_key_counts_changed(user_id);
    };
    // Every stored event wakes the syncs of the room's members; a redaction changes how the
    // redacted event is served, so its cached serialization is dropped.
    rooms.on_event.push_back([&](const room::Event& e) {
        if (e.type() == "m.room.redaction")
            if (auto target = event::redaction_target(e.pdu, rooms.version_of(e.row.room_id)))
                sync.event_redacted(*target);
        std::string membership;
        if (e.type() == "m.room.member")
            if (const auto* m = e.content().if_contains("membership"); m && m->is_string())
                membership = std::string(m->get_string());
        notifier.on_room_event(e.row.room_id,
                               e.type() == "m.room.member" ? &*e.row.state_key : nullptr,
                               membership.empty() ? nullptr : &membership, e.row.stream_ordering);
    });
    // A deleted device or logged-out token must end its streams: wake them so they re-check.
    accounts.on_device_removed = [&](const std::string& user_id, const std::string& device_id) {
        keys.device_deleted(user_id, device_id);
        notifier.wake_user(user_id);
        replicator.user_changed(user_id);
    };
    // These users' keys or presence changed: wake them and, once per room, everyone sharing a
    // room with them (the notifier's room index, no query per member).
    auto wake_room_mates = [&](const std::vector<std::string>& users, sync::Notifier::Topic topic) {
        std::set<std::string> rooms_hit;
        for (const auto& u : users) {
            notifier.wake_user(u, topic);
            for (auto& room_id : store->rooms_for_user(u, "join"))
                rooms_hit.insert(std::move(room_id));
        }
        for (const auto& room_id : rooms_hit)
            notifier.wake_room(room_id, topic);
    };
    keys.on_keys_changed = [&, wake_room_mates](const std::string& user_id) {
        wake_room_mates({user_id}, sync::Notifier::Topic::everything);
        replicator.keys_changed(user_id);
    };
    presence.on_changes = [&, wake_room_mates](const std::vector<std::string>& users) {
        wake_room_mates(users, sync::Notifier::Topic::presence);
        for (const auto& u : users)
            replicator.presence_changed(u);
    };
    presence.on_remote_changes = [wake_room_mates](const std::vector<std::string>& users) {
        wake_room_mates(users, sync::Notifier::Topic::presence);
    };
    account_data.on_change.push_back([&](const std::string& user_id, std::int64_t) {
        notifier.wake_user(user_id);
        replicator.user_changed(user_id);
    });
    e2ee::ToDeviceService to_device(cfg.server_name, *store, cfg.to_device_max_pending,
                                    cfg.to_device_max_pending_bytes);
    to_device.on_message = [&](const std::string& user_id) {
        notifier.wake_user(user_id);
        replicator.user_changed(user_id);
    };
    // What the other processes report. Their stored events arrive through rooms.on_event.
    replicator.on_user_changed = [&](const std::string& user_id) {
        push_rules.forget(user_id); // account data (push rules among it) may have changed
        notifier.wake_user(user_id);
    };
    replicator.on_keys_changed = [wake_room_mates](const std::string& user_id) {
        wake_room_mates({user_id}, sync::Notifier::Topic::everything);
    };
    replicator.on_receipt = [&](const std::string& room_id, const std::string& user_id) {
        notifier.on_receipt(room_id, user_id);
    };
    replicator.on_presence_changed = [&](const std::vector<std::string>& users) {
        presence.apply_remote(users);
    };
    replicator.on_typing = [&](const std::string& room_id, const std::string& user_id, bool on,
                               std::chrono::milliseconds timeout) {
        typing.apply_remote(room_id, user_id, on, timeout);
    };
    replicator.on_resync = [&] { notifier.wake_all(); };
    sync::StreamLimits stream_limits(cfg.sse_max_streams_per_device, cfg.sse_max_streams_per_user);
    sync::StreamLimits longpoll_limits(cfg.sync_max_longpolls_per_device,
                                       cfg.sync_max_longpolls_per_user);
    sync::FilterService filters(*store);
    api::Services services{cfg,           accounts,       rooms,   reader,     directory,
                           account_data,  sync,           filters, push_rules, typing,
                           receipts,      to_device,      keys,    key_backup, presence,
                           stream_limits, longpoll_limits};
    std::optional<net::LoopLagMonitor> loop_lag;
    if (cfg.metrics_enabled) {
        loop_lag.emplace(io.get_executor(), std::chrono::milliseconds(cfg.loop_lag_interval_ms));
        loop_lag->start();
        services.loop_lag = &*loop_lag;
    }
    net::Router router;
    api::add_all_routes(router, services);

    replicator.start();
    net::HttpServer server(io, router, cfg.http);
    server.listen(cfg.listen_host, cfg.listen_port);
    spdlog::info("Myelin serving {} on http://{}:{} (registration {})", cfg.server_name,
                 cfg.listen_host, server.port(),
                 cfg.registration == RegistrationMode::open    ? "open"
                 : cfg.registration == RegistrationMode::token ? "by token"
                                                               : "closed");

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer deadline(io);
    // After a signal: poll until every connection has ended, then let the loop run dry.
    asio::steady_timer watcher(io);
    std::function<void()> watch = [&] {
        watcher.expires_after(std::chrono::milliseconds(20));
        watcher.async_wait([&](const boost::system::error_code& e) {
            if (e) return;
            if (server.open_connections() == 0) {
                deadline.cancel();
                signals.cancel();
                return;
            }
            watch();
        });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", sig);
        sync.stopping = true;
        presence.stop();
        if (loop_lag) loop_lag->stop();
        replicator.stop();
        notifier.wake_all();
        server.stop();
        // In-flight requests get a few seconds; after that the loop is stopped regardless.
        deadline.expires_after(std::chrono::seconds(10));
        deadline.async_wait([&](const boost::system::error_code& e) {
            if (!e) {
                spdlog::warn("shutdown deadline reached with {} connections open",
                             server.open_connections());
                io.stop();
            }
        });
        signals.async_wait([&](const boost::system::error_code& e, int) {
            if (!e) io.stop(); // a second signal stops at once
        });
        watch();
    });
    io.run();
    pool.stop();
    notifications.flush(); // push actions still queued
    store->checkpoint();
    spdlog::info("stopped");
    return 0;
}

} // namespace myelin::app
