#include "checkers/connect.h"

#include <sys/socket.h>

#include <cstdint>
#include <cstdio>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace vigil::checkers {

namespace {

std::error_code last_errno() { return {errno, std::system_category()}; }

}  // namespace

std::error_code prepare_socket(boost::asio::ip::tcp::socket& socket, const Endpoint& endpoint) {
  namespace ip = boost::asio::ip;
  boost::system::error_code ec;
  if (socket.is_open()) socket.close(ec);
  const ip::tcp protocol = endpoint.address.is_v6() ? ip::tcp::v6() : ip::tcp::v4();
  socket.open(protocol, ec);
  if (ec) return ec;
  const int fd = socket.native_handle();
  // keepalived sets the mark and the device before bind and connect, so that routing (policy
  // rules on the mark, the device's table) applies to the connect itself.
  if (endpoint.fwmark != 0) {
    const std::uint32_t mark = endpoint.fwmark;
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return last_errno();
  }
  if (!endpoint.bind_interface.empty()) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, endpoint.bind_interface.c_str(),
                     static_cast<socklen_t>(endpoint.bind_interface.size() + 1)) != 0)
      return last_errno();
  }
  if (endpoint.bind_address || endpoint.bind_port != 0) {
    ip::address local = endpoint.bind_address.value_or(endpoint.address.is_v6()
                                                           ? ip::address(ip::address_v6::any())
                                                           : ip::address(ip::address_v4::any()));
    socket.bind(ip::tcp::endpoint(local, endpoint.bind_port), ec);
    if (ec) return ec;
  }
  return {};
}

boost::asio::awaitable<StepOutcome> connect_endpoint(boost::asio::ip::tcp::socket& socket,
                                                     const Endpoint& endpoint) {
  StepOutcome out;
  out.error = prepare_socket(socket, endpoint);
  if (out.error) co_return out;
  auto r = co_await with_socket_deadline(
      socket,
      socket.async_connect(boost::asio::ip::tcp::endpoint(endpoint.address, endpoint.port),
                           boost::asio::as_tuple(boost::asio::use_awaitable)),
      endpoint.connect_timeout);
  if (!r) {
    out.timed_out = true;
    co_return out;
  }
  out.error = std::get<0>(*r);
  co_return out;
}

std::string format_duration(core::Duration d) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string describe(const StepOutcome& outcome, std::string_view what, core::Duration limit) {
  if (outcome.timed_out) return std::string(what) + ": timeout after " + format_duration(limit);
  if (outcome.error) return std::string(what) + ": " + outcome.error.message();
  return {};
}

}  // namespace vigil::checkers
