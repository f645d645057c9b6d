#pragma once
// Several Myelin processes on one PostgreSQL database. Each keeps room state, typing, presence
// and its notifier in memory; the Replicator keeps them in step:
// - Every process NOTIFYs the others (one payload per loop turn) when it stores something or
//   has ephemeral news (typing), naming whom to wake.
// - On any notification, and before any local wake-up, a process catches up: it reads the
//   events other processes stored after its applied position, in stream order, into its room
//   caches (RoomService::apply_stored, which wakes their rooms), then moves the position.
// - Syncs answer up to position(), never past what this process has applied, so an answer
//   cannot skip an event whose effects (a join, say) this process has not seen yet.
// With one process (SQLite, or PostgreSQL alone) nothing is sent and position() is the
// store's newest position.
//
// Outbound, it subscribes to the change feed (on_change) and sends what this process changed;
// inbound, it applies what the others report: their events to the room caches, their typing
// and presence to those services (which then publish the change), and the rest straight to
// the feed with Origin::other_process.
#include "feed/change_feed.hpp"
#include "presence/presence_service.hpp"
#include "room/room_service.hpp"
#include "room/typing.hpp"
#include "store/store.hpp"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace myelin::cluster {

class Replicator {
public:
    Replicator(boost::asio::any_io_executor ex, store::Store& store, room::RoomService& rooms,
               room::TypingService& typing, presence::PresenceService& presence,
               feed::ChangeFeed& feed);
    ~Replicator();

    bool enabled() const { return enabled_; }
    // Opens the LISTEN connection (when the store is shared) and starts waiting.
    void start();
    void stop();

    // The newest position whose changes this process has applied; catches up first when that
    // is below `at_least` (a token another process handed out).
    std::int64_t position(std::int64_t at_least = 0);
    // Applies the events other processes stored since the last call.
    void catch_up();
    // The same, logging a failure instead of throwing it (a later call catches up).
    void try_catch_up();

    // A change made here, for the other processes (sent at the end of this loop turn, batched).
    // Changes of other processes, and those nobody elsewhere needs, are skipped.
    void on_change(const feed::Change& c);

    std::int64_t notifications_received() const { return received_; }

private:
    void publish(boost::json::array item);
    void flush();
    void wait_readable();
    void handle(const std::string& payload);
    void arm_poll();
    void reconnect();

    boost::asio::any_io_executor ex_;
    store::Store& store_;
    room::RoomService& rooms_;
    room::TypingService& typing_;
    presence::PresenceService& presence_;
    feed::ChangeFeed& feed_;
    bool enabled_;
    bool stopped_ = false;
    std::string id_; // this process, so that it can skip its own payloads
    std::int64_t applied_ = 0;
    std::int64_t own_ = 0; // the newest position this process took
    bool catching_up_ = false;
    boost::json::array outbox_;
    bool flush_posted_ = false;
    std::unique_ptr<store::PeerListener> listener_;
    std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
    boost::asio::steady_timer poll_;
    std::int64_t received_ = 0;
};

} // namespace myelin::cluster
