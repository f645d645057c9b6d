#pragma once
// Server-side TLS settings from PEM files: TLS 1.2 and later, the certificate chain and its
// key. Throws std::runtime_error naming the file that does not load.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace myelin::net {

std::shared_ptr<boost::asio::ssl::context> server_tls_context(const std::string& certificate,
                                                              const std::string& private_key);

} // namespace myelin::net
