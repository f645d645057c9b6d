#include "cluster/replicator.hpp"

#include "util/random.hpp"
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace myelin::cluster {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
// A safety net: notifications are the fast path, this catches up if one was missed.
constexpr auto kPollInterval = std::chrono::seconds(1);
constexpr std::size_t kEventBatch = 1000;
// PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
constexpr std::size_t kMaxPayload = 7000;
} // namespace

Replicator::Replicator(asio::any_io_executor ex, store::Store& store, room::RoomService& rooms,
                       room::TypingService& typing, presence::PresenceService& presence,
                       feed::ChangeFeed& feed)
    : ex_(ex)
    , store_(store)
    , rooms_(rooms)
    , typing_(typing)
    , presence_(presence)
    , feed_(feed)
    , enabled_(store.shared())
    , id_(util::random_letters(12))
    , poll_(ex) {
    applied_ = store_.max_stream_position();
    // This process's own writes count at once: a sync that follows a write sees it.
    if (enabled_) store_.position_taken = [this](std::int64_t pos) { own_ = std::max(own_, pos); };
}

Replicator::~Replicator() = default;

void Replicator::on_change(const feed::Change& c) {
    if (!enabled_ || !c.local()) return;
    auto s = [](std::string_view v) { return std::string(v); };
    switch (c.kind) {
    case feed::Kind::room_event: // the others read the events themselves
        publish(json::array{"e"});
        break;
    case feed::Kind::typing_set:
        publish(json::array{"t", s(c.room), s(c.user), c.typing, c.timeout.count()});
        break;
    case feed::Kind::receipt:
        publish(json::array{"r", s(c.room), s(c.user)});
        break;
    case feed::Kind::account_data:
    case feed::Kind::device_removed:
        publish(json::array{"u", s(c.user)});
        break;
    case feed::Kind::to_device:
        for (const auto& u : c.users)
            publish(json::array{"u", u});
        break;
    case feed::Kind::keys:
        publish(json::array{"k", s(c.user)});
        break;
    case feed::Kind::presence:
        for (const auto& u : c.users)
            publish(json::array{"p", u});
        break;
    default: // typing (the others apply typing_set), key counts, push actions: nothing to send
        break;
    }
}

void Replicator::start() {
    if (!enabled_) return;
    listener_ = store_.listen_peers();
    // The descriptor asio watches is a duplicate: libpq keeps (and closes) its own.
    socket_ = std::make_unique<asio::posix::stream_descriptor>(ex_, ::dup(listener_->socket()));
    wait_readable();
    arm_poll();
    spdlog::info("replication: listening for other processes on this database");
}

void Replicator::stop() {
    stopped_ = true;
    poll_.cancel();
    if (socket_) {
        boost::system::error_code ec;
        socket_->cancel(ec);
        socket_->close(ec);
    }
}

std::int64_t Replicator::position(std::int64_t at_least) {
    if (!enabled_) return store_.max_stream_position();
    if (applied_ < std::max(at_least, own_)) catch_up();
    return applied_;
}

void Replicator::catch_up() {
    if (!enabled_ || catching_up_) return;
    catching_up_ = true;
    struct Done {
        bool& flag;
        ~Done() { flag = false; }
    } done{catching_up_};
    auto newest = store_.max_stream_position();
    while (applied_ < newest) {
        auto batch = store_.events_between(applied_, newest, kEventBatch);
        auto last = batch.empty() ? newest : batch.back().stream_ordering;
        for (auto& e : batch) {
            auto id = e.event_id;
            try {
                rooms_.apply_stored(std::move(e));
            } catch (const std::exception& ex) {
                // One bad event must not stop this process from following all later ones.
                spdlog::error("replication: cannot apply event {}: {}", id, ex.what());
            }
        }
        // A short batch is the end: positions after its last event up to `newest` are other
        // kinds of changes (receipts, account data, …), announced by their own payloads.
        applied_ = batch.size() < kEventBatch ? newest : last;
    }
}

void Replicator::try_catch_up() {
    try {
        catch_up();
    } catch (const std::exception& e) {
        spdlog::warn("replication: catching up failed: {}", e.what());
    }
}

void Replicator::publish(json::array item) {
    if (!enabled_ || stopped_) return;
    outbox_.push_back(std::move(item));
    if (flush_posted_) return;
    flush_posted_ = true;
    // Everything one loop turn produced goes out in one NOTIFY.
    asio::post(ex_, [this] { flush(); });
}

void Replicator::flush() {
    flush_posted_ = false;
    auto items = std::move(outbox_);
    outbox_ = json::array{};
    std::size_t i = 0;
    while (i < items.size()) {
        json::array chunk;
        std::size_t size = 0;
        while (i < items.size()) {
            auto text_size = json::serialize(items[i]).size();
            if (!chunk.empty() && size + text_size > kMaxPayload) break;
            size += text_size + 1;
            chunk.push_back(std::move(items[i++]));
        }
        auto payload = json::serialize(json::object{{"from", id_}, {"items", std::move(chunk)}});
        try {
            store_.notify_peers(payload);
        } catch (const std::exception& e) {
            // The others still catch up with stored events by polling; ephemeral news is lost.
            spdlog::warn("replication: NOTIFY failed: {}", e.what());
        }
    }
}

void Replicator::wait_readable() {
    socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                        [this](const boost::system::error_code& ec) {
                            if (ec || stopped_) return;
                            std::vector<std::string> payloads;
                            try {
                                payloads = listener_->drain();
                            } catch (const std::exception& e) {
                                spdlog::warn("replication: {}", e.what());
                                reconnect();
                                return;
                            }
                            // What the payloads announce is stored at or before the newest
                            // position: catch up once, then act on them.
                            if (!payloads.empty()) try_catch_up();
                            for (const auto& p : payloads)
                                handle(p);
                            wait_readable();
                        });
}

void Replicator::reconnect() {
    socket_.reset();
    listener_.reset();
    poll_.expires_after(kPollInterval);
    poll_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        try {
            listener_ = store_.listen_peers();
            socket_ =
                std::make_unique<asio::posix::stream_descriptor>(ex_, ::dup(listener_->socket()));
        } catch (const std::exception& e) {
            spdlog::warn("replication: cannot listen again yet: {}", e.what());
            reconnect();
            return;
        }
        spdlog::info("replication: listening again");
        wait_readable();
        arm_poll();
        try_catch_up();
        feed_.publish(feed::Change{feed::Kind::resync, feed::Origin::other_process});
    });
}

void Replicator::arm_poll() {
    poll_.expires_after(kPollInterval);
    poll_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        try_catch_up();
        arm_poll();
    });
}

void Replicator::handle(const std::string& payload) {
    ++received_;
    try {
        boost::system::error_code ec;
        auto v = json::parse(payload, ec);
        if (ec || !v.is_object()) return;
        const auto& o = v.get_object();
        const auto* from = o.if_contains("from");
        const auto* items = o.if_contains("items");
        if (!from || !from->is_string() || from->get_string() == id_ || !items ||
            !items->is_array())
            return;
        std::vector<std::string> presence;
        for (const auto& it : items->get_array()) {
            if (!it.is_array() || it.get_array().empty() || !it.get_array()[0].is_string())
                continue;
            const auto& a = it.get_array();
            auto kind = a[0].get_string();
            auto str = [&](std::size_t i) {
                return i < a.size() && a[i].is_string() ? std::string(a[i].get_string())
                                                        : std::string();
            };
            auto user = str(1);
            feed::Change c{feed::Kind::user_changed, feed::Origin::other_process};
            c.user = user;
            if (kind == "u") {
                feed_.publish(c);
            } else if (kind == "k") {
                c.kind = feed::Kind::keys;
                feed_.publish(c);
            } else if (kind == "r") {
                auto user_id = str(2);
                c.kind = feed::Kind::receipt;
                c.room = user;
                c.user = user_id;
                feed_.publish(c);
            } else if (kind == "p") {
                presence.push_back(std::move(user));
            } else if (kind == "t" && a.size() == 5 && a[3].is_bool() && a[4].is_int64()) {
                typing_.apply_remote(user, str(2), a[3].get_bool(),
                                     std::chrono::milliseconds(a[4].get_int64()));
            }
        }
        if (!presence.empty()) presence_.apply_remote(presence);
    } catch (const std::exception& e) {
        spdlog::warn("replication: handling a notification failed: {}", e.what());
    }
}

} // namespace myelin::cluster
