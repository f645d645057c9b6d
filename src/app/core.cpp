#include "app/core.hpp"

#include "event/redaction.hpp"
#include "room/server_keys.hpp"

#include <boost/asio/post.hpp>
#include <set>
#include <spdlog/spdlog.h>

namespace myelin::app {

namespace asio = boost::asio;

namespace {
// Namespace scope, not a local of wire(): the timer's lambda outlives the call that set it.
constexpr auto kPushActionsFlush = std::chrono::milliseconds(200);
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
    , accounts(cfg.account_settings(), *store, pool, &db)
    , rooms(cfg.server_name, *store, room::load_or_create_signing_key(*store))
    , reader(rooms)
    , directory(rooms)
    , account_data(*store)
    , notifier(io.get_executor(),
               [this](const std::string& room_id) {
                   std::vector<std::string> users;
                   for (auto& m : store->members(room_id))
                       if (m.membership == "join") users.push_back(std::move(m.user_id));
                   return users;
               })
    , typing(io.get_executor())
    , receipts(rooms, account_data)
    , keys(cfg.server_name, rooms)
    , key_backup(*store)
    , push_rules(account_data)
    , notifications(rooms, push_rules)
    , replicator(io.get_executor(), *store, rooms)
    , presence(*store, io.get_executor(), std::chrono::seconds(cfg.presence_offline_after_s),
               cfg.presence_enabled)
    , sync(rooms, reader, notifier, typing, keys, notifications, presence, db)
    , to_device(cfg.server_name, *store, cfg.to_device_max_pending, cfg.to_device_max_pending_bytes)
    , stream_limits(cfg.sse_max_streams_per_device, cfg.sse_max_streams_per_user)
    , longpoll_limits(cfg.sync_max_longpolls_per_device, cfg.sync_max_longpolls_per_user)
    , filters(*store)
    , push_flush_timer(io) {
    wire();
}

api::Services Core::services() {
    return api::Services{cfg,  accounts,   rooms,      reader,        directory,      account_data,
                         sync, filters,    push_rules, typing,        receipts,       to_device,
                         keys, key_backup, presence,   stream_limits, longpoll_limits};
}

void Core::stopping() {
    sync.stopping = true;
    presence.stop();
    replicator.stop();
    push_flush_timer.cancel();
    notifier.wake_all();
}

void Core::stopped() {
    pool.stop();
    db.stop();
    notifications.flush(); // push actions still queued
}

// Who hears of what: every hook between the services is set here.
void Core::wire() {
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
    notifier.caches().set_position_source([this] { return store->max_stream_position(); });
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
}

} // namespace myelin::app
