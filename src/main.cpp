// myelin: serve | register-user | create-registration-token | media
#include "account/account_service.hpp"
#include "app/app.hpp"
#include "config/config.hpp"
#include "media/media_service.hpp"
#include "room/server_keys.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/matrix_error.hpp"
#include "util/random.hpp"
#include <CLI/CLI.hpp>
#include <iostream>
#include <sodium.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

using namespace myelin;

int main(int argc, char** argv) {
    if (sodium_init() < 0) {
        std::cerr << "libsodium failed to initialise\n";
        return 1;
    }
    spdlog::set_default_logger(spdlog::stderr_color_mt("myelin"));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    CLI::App cli{"Myelin: a Matrix homeserver with sync over Server-Sent Events"};
    cli.require_subcommand(1);

    Config cfg;
    std::string config_file, listen, server_name, database, registration;
    auto* serve = cli.add_subcommand("serve", "Run the homeserver");
    serve->footer(config_keys_help());
    serve->add_option("--config", config_file, "TOML config file");
    serve->add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8008)");
    serve->add_option("--server-name", server_name, "Matrix server name (default localhost)");
    serve->add_option("--database", database,
                      "Database URL: sqlite:PATH (default sqlite:./data/myelin.db) or "
                      "postgresql://USER:PASSWORD@HOST:PORT/DBNAME");
    serve->add_option("--registration", registration, "open | token | closed (default open)");

    std::string ru_db = cfg.database, ru_user, ru_password, ru_server = cfg.server_name;
    bool ru_admin = false;
    auto* reg = cli.add_subcommand("register-user", "Create an account offline");
    reg->add_option("--database", ru_db, "Database URL");
    reg->add_option("--server-name", ru_server, "Matrix server name");
    reg->add_option("--user", ru_user, "Localpart of the new user")->required();
    reg->add_option("--password", ru_password, "Password")->required();
    reg->add_flag("--admin", ru_admin, "Make the user a server admin");

    std::string rt_db = cfg.database, rt_token;
    std::int64_t rt_uses = 0;
    auto* tok = cli.add_subcommand("create-registration-token",
                                   "Create a token for registration = \"token\"");
    tok->add_option("--database", rt_db, "Database URL");
    tok->add_option("--token", rt_token, "The token (default: random)");
    tok->add_option("--uses", rt_uses, "How many registrations it allows (0: unlimited)");

    std::string md_config, md_db, md_dir, md_quarantine, md_unquarantine, md_delete;
    std::int64_t md_unused_days = -1;
    auto* med =
        cli.add_subcommand("media", "Media repository upkeep (safe beside a running server)");
    med->add_option("--config", md_config, "TOML config file (for the database and media path)");
    med->add_option("--database", md_db, "Database URL (overrides the config)");
    med->add_option("--media-path", md_dir, "Media directory (overrides the config)");
    med->add_option("--delete-unused-days", md_unused_days,
                    "Delete media nobody downloaded or uploaded for this many days");
    med->add_option("--quarantine", md_quarantine, "Stop serving this media id (404 everywhere)");
    med->add_option("--unquarantine", md_unquarantine, "Serve this media id again");
    med->add_option("--delete", md_delete, "Delete this media id and its thumbnails");

    std::string ky_db = cfg.database;
    bool ky_rotate = false;
    auto* keys = cli.add_subcommand("keys", "The server's signing key (stop the server first)");
    keys->add_option("--database", ky_db, "Database URL");
    keys->add_flag("--rotate", ky_rotate,
                   "Replace the signing key with a new one; the old one stays listed as retired "
                   "(old_verify_keys) so what it signed still verifies. Start the server again "
                   "afterwards.");

    CLI11_PARSE(cli, argc, argv);

    try {
        if (*serve) {
            if (!config_file.empty()) load_config_file(cfg, config_file);
            if (!listen.empty()) parse_listen(cfg, listen);
            if (!server_name.empty()) cfg.server_name = server_name;
            if (!database.empty()) cfg.database = database;
            if (!registration.empty()) cfg.registration = parse_registration_mode(registration);
            spdlog::set_level(spdlog::level::from_str(cfg.log_level));
            return app::serve(cfg);
        }
        if (*reg) {
            cfg.database = ru_db;
            cfg.server_name = ru_server;
            auto store = store::open_store(cfg.database);
            util::BlockingPool pool(1);
            feed::ChangeFeed feed; // nobody listens: the server is not running
            account::AccountService accounts(cfg.account_settings(), *store, pool, feed);
            accounts.create_user_offline(ru_user, ru_password, ru_admin);
            std::cout << "@" << ru_user << ":" << ru_server << "\n";
            return 0;
        }
        if (*med) {
            if (!md_config.empty()) load_config_file(cfg, md_config);
            if (!md_db.empty()) cfg.database = md_db;
            if (!md_dir.empty()) cfg.media_path = md_dir;
            auto store = store::open_store(cfg.database);
            util::BlockingPool pool(1);
            auto settings = cfg.media_settings();
            settings.clean_tmp_at_start = false;
            media::MediaService media(settings, *store, pool);
            auto report = [](const char* what, const media::MediaService::CleanupReport& r) {
                std::cout << what << ": " << r.media << " media ids, " << r.files << " files, "
                          << r.bytes << " bytes";
                if (r.url_previews) std::cout << ", " << r.url_previews << " URL previews";
                std::cout << "\n";
            };
            if (md_unused_days >= 0)
                report("deleted unused",
                       media.delete_unused(util::now_ms() - md_unused_days * 24 * 3600 * 1000));
            if (!md_delete.empty()) report("deleted", media.delete_media(md_delete));
            for (auto [id, on] : {std::pair{md_quarantine, true}, {md_unquarantine, false}}) {
                if (id.empty()) continue;
                if (!media.quarantine(id, on)) throw std::runtime_error("no media id " + id);
                std::cout << (on ? "quarantined " : "unquarantined ") << id << "\n";
            }
            return 0;
        }
        if (*keys) {
            auto store = store::open_store(ky_db);
            if (ky_rotate) {
                auto old = room::load_or_create_signing_key(*store);
                auto fresh = room::rotate_signing_key(*store, util::now_ms());
                std::cout << "retired " << old.key_id() << ", now signing with " << fresh.key_id()
                          << "\n";
            } else {
                std::cout << room::load_or_create_signing_key(*store).key_id() << "\n";
            }
            return 0;
        }
        if (*tok) {
            auto store = store::open_store(rt_db);
            store::RegistrationToken t;
            t.token = rt_token.empty() ? util::random_token(12) : rt_token;
            if (rt_uses > 0) t.uses_allowed = rt_uses;
            store->put_registration_token(t);
            std::cout << t.token << "\n";
            return 0;
        }
    } catch (const MatrixError& e) {
        std::cerr << "error: " << e.errcode() << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
