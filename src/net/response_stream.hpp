#pragma once
// A response the handler writes itself, piece by piece, for as long as it likes: the body
// of a Server-Sent Events stream, or a file sent in pieces. Without a Content-Length the
// connection closes when the handler returns; with one, sent whole, it carries on.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace myelin::net {

class ResponseStream {
public:
    virtual ~ResponseStream() = default;
    // Sends the status line and headers (CORS included). Without a Content-Length among
    // `headers` the body ends when the connection closes. False if the client is gone.
    virtual boost::asio::awaitable<bool>
    begin(unsigned status, const std::vector<std::pair<std::string, std::string>>& headers) = 0;
    // Writes one piece. Only one write is ever pending, so a slow reader holds at most one
    // payload; a write that cannot finish within the write timeout fails and closes.
    virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
    // The client closed the connection.
    virtual bool closed() const = 0;
    // Starts noticing a client that goes away (begin() does this too). Long-polls use it
    // without streaming, so a client that gives up stops costing anything at once.
    virtual void watch_close() = 0;
    // Runs once when the peer goes away while the handler is still streaming.
    std::function<void()> on_close;
};

} // namespace myelin::net
