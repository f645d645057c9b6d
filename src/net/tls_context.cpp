#include "net/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <stdexcept>

namespace myelin::net {

std::shared_ptr<boost::asio::ssl::context> server_tls_context(const std::string& certificate,
                                                              const std::string& private_key) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(certificate, ec);
    if (ec)
        throw std::runtime_error("cannot load the TLS certificate " + certificate + ": " +
                                 ec.message());
    ctx->use_private_key_file(private_key, ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error("cannot load the TLS key " + private_key + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw std::runtime_error("the TLS key " + private_key + " does not match " + certificate);
    return ctx;
}

} // namespace myelin::net
