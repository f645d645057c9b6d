#pragma once
// One receiving client: a /sync long-poll loop or one /sync/sse stream, resumed after drops.
// Finds our messages in every sync body and reports them to the delivery tracker.
#include "run_context.hpp"
#include "sse_parser.hpp"
#include "sync_body.hpp"
#include "world_setup.hpp"

namespace loadgen {

class SyncClient final : public SseHandler, public BodySink, public MessageVisitor {
public:
    SyncClient(RunContext& ctx, std::uint32_t id, const Account& account);
    asio::awaitable<void> run();
    // Ends the client: closes its connection so that run() returns.
    void stop() { conn_.close(); }
    bool ready() const { return ready_; }

private:
    // Stores the sync filter on the server, as real clients do, so that requests carry only
    // its id; falls back to sending the filter inline.
    asio::awaitable<void> upload_filter();
    asio::awaitable<void> run_longpoll();
    asio::awaitable<void> run_sse();
    asio::awaitable<bool> failed(const HttpResult& r, const char* what,
                                 std::chrono::milliseconds& backoff);
    // A sync body arrived (a response or an SSE event) at `recv_ns`.
    bool handle_sync(std::string_view body, std::int64_t recv_ns, std::string& next_batch);
    void became_ready();

    void on_body_data(std::string_view data) override;
    void on_sse_event(const SseEvent& ev) override;
    void on_sse_block(bool comment_only) override;
    void on_message(const FoundMessage& m) override;

    RunContext& ctx_;
    std::uint32_t id_;
    const Account& account_;
    HttpConn conn_;
    SseParser sse_;
    std::string since_;
    std::string query_;        // filter=… (and heartbeat_interval for SSE)
    std::int64_t recv_ns_ = 0; // when the bytes being parsed were read
    std::uint32_t found_ = 0;  // run messages in the body being parsed
    Clock::time_point last_block_{};
    bool seen_event_ = false; // on the current SSE connection
    bool ready_ = false;
};

} // namespace loadgen
