#pragma once
// Incremental text/event-stream parser (the WHATWG "event stream interpretation"): feed it the
// body as it arrives, in pieces of any size; it reports each dispatched event and each block
// (a run of lines ended by a blank line), so that heartbeat comments can be timed.
#include <string>
#include <string_view>

namespace loadgen {

struct SseEvent {
    std::string_view type; // "message" when the block had no event: field
    std::string_view id;   // the last event id seen on this stream (persists across events)
    std::string_view data; // data: lines joined by '\n'
};

class SseHandler {
public:
    virtual ~SseHandler() = default;
    virtual void on_sse_event(const SseEvent& ev) = 0;
    // Every blank-line-terminated block; `comment_only` is true for a block holding nothing but
    // comments (": \n\n"), which is what a heartbeat is.
    virtual void on_sse_block(bool comment_only) = 0;
};

class SseParser {
public:
    explicit SseParser(SseHandler& h)
        : handler_(h) {}
    void feed(std::string_view chunk);
    // Forget a half-received line and block (a new connection starts clean); keeps the last id.
    void reset();
    const std::string& last_event_id() const { return last_id_; }

private:
    void line(std::string_view l);
    void end_block();

    SseHandler& handler_;
    std::string partial_; // an unfinished line carried over between chunks
    std::string data_;
    std::string type_;
    std::string last_id_;
    bool has_data_ = false;
    bool has_field_ = false;
    bool has_comment_ = false;
    bool after_cr_ = false; // the previous chunk ended in '\r': a leading '\n' belongs to it
};

} // namespace loadgen
