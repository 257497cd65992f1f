#include "checkers/tcp_check.h"

#include <chrono>

#include <boost/asio/ip/tcp.hpp>

#include "checkers/connect.h"

namespace vigil::checkers {

namespace {

class TcpCheck final : public Check {
 public:
  TcpCheck(boost::asio::io_context& io, Endpoint endpoint)
      : io_(io), endpoint_(std::move(endpoint)) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    boost::asio::ip::tcp::socket socket(io_);
    const StepOutcome outcome = co_await connect_endpoint(socket, endpoint_);
    CheckResult result;
    result.ok = outcome.ok();
    result.reason = describe(outcome, "connect", endpoint_.connect_timeout);
    // keepalived closes as soon as the connection is up (a plain close, no data, no shutdown).
    boost::system::error_code ignored;
    socket.close(ignored);
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  boost::asio::io_context& io_;
  Endpoint endpoint_;
};

}  // namespace

std::unique_ptr<Check> make_tcp_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& /*vs*/, CheckContext& context,
                                      std::string* why) {
  Endpoint endpoint = endpoint_of(checker, rs);
  if (endpoint.port == 0) {
    if (why) *why = "TCP_CHECK has no port to connect to (set connect_port)";
    return nullptr;
  }
  return std::make_unique<TcpCheck>(context.io, std::move(endpoint));
}

}  // namespace vigil::checkers
