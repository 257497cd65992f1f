#pragma once

// Readable reasons for TLS failures (SSL_GET, the SMTP alert client's STARTTLS).

#include <string>

#include <boost/system/error_code.hpp>

namespace vigil::core {

// OpenSSL's reason string ("wrong version number", "certificate verify failed") for an error of
// Asio's SSL category, which says more than its generic message; ec.message() otherwise.
std::string tls_error_text(const boost::system::error_code& ec);

}  // namespace vigil::core
