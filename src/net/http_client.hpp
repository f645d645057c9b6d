#pragma once
// An HTTP/1.1 client for the requests the server makes on someone's behalf (URL previews,
// federation): http and https (certificates verified against the system's store and an optional
// extra CA file), one deadline for the whole exchange, a bound on the body, redirects followed
// a few times, connections kept alive for the next request to the same place. Every address it
// connects to, after every redirect, is first checked against a DestinationPolicy: it connects to
// the resolved address it checked, never resolves twice, so a name cannot point elsewhere between
// the check and the connection.
#include "net/ip_ranges.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace myelin::net {

enum class FetchFailure {
    bad_url,      // not an http(s) URL this client can fetch
    refused,      // the destination is not permitted (DestinationPolicy)
    unreachable,  // no answer: resolution, connection or TLS failed
    timeout,      // the deadline passed
    too_large,    // the body was over the limit
    bad_response, // not HTTP, or too many redirects
};

class FetchError : public std::runtime_error {
public:
    FetchError(FetchFailure f, const std::string& what)
        : std::runtime_error(what)
        , failure(f) {}
    FetchFailure failure;
};

struct FetchRequest {
    std::string method = "GET";
    std::string url;
    std::string body; // sent with `content_type` when not empty
    std::string content_type = "application/json";
    // Connect to this host:port (resolved and checked as any destination) instead of the URL's
    // host, which still names the server in Host, SNI and the certificate check: federation's
    // delegated and statically mapped names. Not kept across a redirect.
    std::string connect_to;
    std::size_t max_body_bytes = 1 << 20;
    std::chrono::milliseconds timeout{10'000}; // the whole exchange, redirects included
    int max_redirects = 5;
    std::vector<std::pair<std::string, std::string>> headers; // besides Host, User-Agent
};

struct FetchResult {
    unsigned status = 0;
    std::string url; // after redirects
    std::string content_type;
    std::string location; // of a redirect
    std::string cache_control;
    std::string body;
};

struct HttpClientSettings {
    DestinationPolicy policy;
    std::string user_agent = "Myelin";
    std::string ca_file; // trusted besides the system's certificates (empty: none)
};

class HttpClient {
public:
    HttpClient(boost::asio::any_io_executor ex, HttpClientSettings settings);
    ~HttpClient();
    // The final answer (of req.method, GET by default) after redirects, whatever its status;
    // FetchError when there is none.
    boost::asio::awaitable<FetchResult> request(const FetchRequest& req);

    struct Connection; // an open connection, kept for the next request to the same place

private:
    // Kept-alive connections (HTTP/1.1 keep-alive): at most a few per destination and in all,
    // each for a while after its last answer.
    static constexpr std::size_t kIdlePerDestination = 4;
    static constexpr std::size_t kIdleTotal = 64;
    static constexpr std::chrono::seconds kIdleLifetime{30};
    std::unique_ptr<Connection> take_idle(const std::string& key);
    void keep_idle(std::unique_ptr<Connection> c);

    struct Tls;
    boost::asio::any_io_executor ex_;
    HttpClientSettings settings_;
    std::unique_ptr<Tls> tls_;
    std::list<std::unique_ptr<Connection>> idle_; // oldest first (on the event loop's thread)
};

} // namespace myelin::net
