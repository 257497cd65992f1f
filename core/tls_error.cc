#include "core/tls_error.h"

#include <openssl/err.h>

#include <boost/asio/ssl/error.hpp>

namespace vigil::core {

std::string tls_error_text(const boost::system::error_code& ec) {
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const char* reason = ::ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason) return reason;
  }
  return ec.message();
}

}  // namespace vigil::core
