#include "checkers/tcp_check.h"

#include <chrono>

#include <boost/asio/ip/tcp.hpp>

#include "checkers/connect.h"
#include "checkers/connection_probe.h"

namespace vigil::checkers {

namespace {

// keepalived closes as soon as the connection is up (nothing is sent); vigil too, with a reset.
class TcpProbe final : public ConnectionProbe {
 public:
  using ConnectionProbe::ConnectionProbe;

 private:
  void begin() override { connect(); }
  void connected(const StepOutcome& outcome) override {
    if (outcome.ok()) {
      finish(CheckResult::passed());
    } else {
      finish(CheckResult::failed(describe(outcome, "connect", endpoint_.connect_timeout)));
    }
  }
};

class TcpCheck final : public Check {
 public:
  TcpCheck(boost::asio::io_context& io, Endpoint endpoint)
      : io_(io), probe_(std::make_shared<TcpProbe>(io, std::move(endpoint))) {}
  ~TcpCheck() override { probe_->cancel(); }

  boost::asio::awaitable<CheckResult> run() override { return run_started(io_, *this); }
  bool start(ProbeSink& sink) override {
    probe_->start(sink);
    return true;
  }
  void cancel() override { probe_->cancel(); }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<TcpProbe> probe_;
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
