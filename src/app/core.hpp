#pragma once
// Every service of one Myelin process, built over one store and wired to each other (who wakes
// whom when something changes). `serve` puts the HTTP server in front of it; the in-process
// service tests (tests/unit/service_fixture.hpp) build the same thing over a temporary
// database, so what they test is wired as the server is.
#include "account/account_data.hpp"
#include "account/account_service.hpp"
#include "api/services.hpp"
#include "cluster/replicator.hpp"
#include "config/config.hpp"
#include "e2ee/key_backup.hpp"
#include "e2ee/key_service.hpp"
#include "e2ee/to_device.hpp"
#include "federation/federation.hpp"
#include "federation/own_keys.hpp"
#include "feed/change_feed.hpp"
#include "media/media_service.hpp"
#include "media/url_preview.hpp"
#include "presence/presence_service.hpp"
#include "push/notification_counter.hpp"
#include "push/push_rules.hpp"
#include "room/receipts.hpp"
#include "room/room_directory.hpp"
#include "room/room_reader.hpp"
#include "room/room_service.hpp"
#include "room/typing.hpp"
#include "store/db_pool.hpp"
#include "store/store.hpp"
#include "sync/change_listener.hpp"
#include "sync/filter_service.hpp"
#include "sync/sse_session.hpp"
#include "sync/sync_service.hpp"
#include "util/blocking_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <memory>

namespace myelin::app {

struct Core {
    Core(const Config& cfg, boost::asio::io_context& io, std::unique_ptr<store::Store> store);
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    // What the endpoint handlers reach.
    api::Services services();
    // Starts what runs on its own (replication, presence sweeps); the server calls it once its
    // listener is up.
    void start();
    // Graceful stop, before the loop winds down: streams end, timers stop.
    void stopping();
    // After the loop stopped: the worker pool ends and queued push actions are written.
    void stopped();

    const Config& cfg;
    boost::asio::io_context& io;
    // What changed, from the services that change it to those that must hear (see wire()).
    feed::ChangeFeed feed;
    std::unique_ptr<store::Store> store;
    // Threads with connections of their own for the sync engine's reads and token lookups
    // (none on SQLite by default: those then run inline on `store`).
    store::DbPool db;
    util::BlockingPool pool;
    // Signs the events this server makes and its answers to other servers.
    event::SigningKey signing_key;
    federation::OwnKeys own_keys;
    account::AccountService accounts;
    room::RoomService rooms;
    room::RoomReader reader;
    room::RoomDirectory directory;
    account::AccountDataService account_data;
    sync::Notifier notifier;
    room::TypingService typing;
    room::ReceiptService receipts;
    e2ee::KeyService keys;
    e2ee::KeyBackupService key_backup;
    push::PushRuleService push_rules;
    push::NotificationCounter notifications;
    presence::PresenceService presence;
    // Several processes on one database: keeps this one in step with the others (a no-op with
    // one process).
    cluster::Replicator replicator;
    sync::SyncService sync;
    e2ee::ToDeviceService to_device;
    sync::StreamLimits stream_limits;   // /sync/sse streams
    sync::StreamLimits longpoll_limits; // /sync long-polls
    sync::FilterService filters;
    media::MediaService media;
    media::UrlPreviewer previews;
    federation::Federation federation;
    sync::ChangeListener sync_listener;

private:
    void wire();
};

} // namespace myelin::app
