#include "app/app.hpp"

#include "app/core.hpp"

#include "api/routes.hpp"
#include "net/http_server.hpp"
#include "net/loop_lag.hpp"
#include "net/tls_context.hpp"
#include "store/store.hpp"
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
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
    Core core(cfg, io, std::move(store));
    auto services = core.services();
    std::optional<net::LoopLagMonitor> loop_lag;
    if (cfg.metrics_enabled) {
        loop_lag.emplace(io.get_executor(), std::chrono::milliseconds(cfg.loop_lag_interval_ms));
        loop_lag->start();
        services.loop_lag = &*loop_lag;
    }
    net::Router router;
    api::add_all_routes(router, services);

    // TLS contexts are made from the files again on SIGHUP (renewed certificates).
    auto client_tls = [&]() -> std::shared_ptr<asio::ssl::context> {
        if (cfg.http_tls_certificate.empty()) return nullptr;
        return net::server_tls_context(cfg.http_tls_certificate, cfg.http_tls_private_key);
    };
    const auto& fed = cfg.federation;
    auto federation_tls = [&] {
        return net::server_tls_context(fed.tls_certificate, fed.tls_private_key);
    };

    core.start();
    net::HttpServer server(io, router, cfg.http, client_tls());
    server.listen(cfg.listen_host, cfg.listen_port);
    net::Router federation_router;
    std::optional<net::HttpServer> federation_server;
    if (fed.enabled) {
        api::add_federation_routes(federation_router, services);
        federation_server.emplace(io, federation_router, cfg.http, federation_tls());
        federation_server->listen(fed.listen_host, fed.listen_port);
        spdlog::info("federation serving {} on https://{}:{}", cfg.server_name, fed.listen_host,
                     federation_server->port());
    }
    spdlog::info("Myelin serving {} on {}://{}:{} (registration {})", cfg.server_name,
                 server.tls() ? "https" : "http", cfg.listen_host, server.port(),
                 cfg.registration == RegistrationMode::open    ? "open"
                 : cfg.registration == RegistrationMode::token ? "by token"
                                                               : "closed");

    asio::signal_set reload(io, SIGHUP);
    std::function<void()> on_reload = [&] {
        reload.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            // A file that does not load leaves the running certificates in place.
            try {
                if (server.tls()) server.replace_tls(client_tls());
                if (federation_server) federation_server->replace_tls(federation_tls());
                spdlog::info("SIGHUP: TLS certificates reloaded");
            } catch (const std::exception& e) {
                spdlog::error("SIGHUP: {}; keeping the certificates in use", e.what());
            }
            on_reload();
        });
    };
    on_reload();
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer deadline(io);
    // After a signal: poll until every connection has ended, then let the loop run dry.
    asio::steady_timer watcher(io);
    std::function<void()> watch = [&] {
        watcher.expires_after(std::chrono::milliseconds(20));
        watcher.async_wait([&](const boost::system::error_code& e) {
            if (e) return;
            auto open = server.open_connections() +
                        (federation_server ? federation_server->open_connections() : 0);
            if (open == 0) {
                deadline.cancel();
                signals.cancel();
                reload.cancel();
                return;
            }
            watch();
        });
    };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", sig);
        core.stopping();
        if (loop_lag) loop_lag->stop();
        server.stop();
        if (federation_server) federation_server->stop();
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
    core.stopped();
    core.store->checkpoint();
    spdlog::info("stopped");
    return 0;
}

} // namespace myelin::app
