#include "checkers/smtp_check.h"

#include <chrono>
#include <system_error>
#include <utility>

#include <boost/asio/ip/tcp.hpp>

#include "checkers/connect.h"
#include "core/smtp_dialogue.h"

namespace vigil::checkers {
namespace {

namespace smtp = core::smtp;

class SmtpCheckImpl final : public Check {
 public:
  SmtpCheckImpl(boost::asio::io_context& io, Endpoint endpoint, std::string helo_name)
      : io_(io),
        endpoint_(std::move(endpoint)),
        helo_name_(std::move(helo_name)),
        server_(server_name(endpoint_.address, endpoint_.port)) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result = co_await probe();
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  // keepalived's words for the failure in its SMTP alerts ("=> CHECK failed on service : Read
  // timeout from server [10.0.0.2]:25 <="), observed against keepalived 2.2.7. The write
  // failures never showed there; their wording follows the read ones.
  CheckResult fail(std::string reason, std::string_view alert) const {
    CheckResult r = CheckResult::failed(std::move(reason));
    r.alert = "CHECK failed on service : " + std::string(alert) + server_;
    return r;
  }

  boost::asio::awaitable<CheckResult> probe() {
    boost::asio::ip::tcp::socket socket(io_);
    const StepOutcome connected = co_await connect_endpoint(socket, endpoint_);
    if (!connected.ok()) {
      co_return fail(
          describe(connected, "connect", endpoint_.connect_timeout),
          connected.timed_out ? "Connection timeout to server " : "Could not connect to server ");
    }
    std::string buffer;

    auto greeting = co_await read(socket, buffer, "greeting");
    if (!greeting.ok()) co_return std::move(greeting.failure);
    // keepalived: "Bad greeting banner" unless the code is exactly 220.
    if (greeting.reply.code != 220u) {
      co_return fail("bad greeting: " + greeting.reply.last_line,
                     "Bad greeting banner from server ");
    }

    // g++ 12: no temporaries across a co_await, no co_await in conditions.
    const std::string helo_line = "HELO " + helo_name_ + "\r\n";
    std::optional<CheckResult> failed = co_await write(socket, helo_line, "HELO");
    if (failed) co_return std::move(*failed);
    auto helo = co_await read(socket, buffer, "HELO reply");
    if (!helo.ok()) co_return std::move(helo.failure);
    if (helo.reply.code != 250u) {
      co_return fail("bad HELO reply: " + helo.reply.last_line, "Bad HELO response from server ");
    }

    const std::string quit_line = "QUIT\r\n";
    failed = co_await write(socket, quit_line, "QUIT");
    if (failed) co_return std::move(*failed);
    // keepalived SMTP_RECV_QUIT: a reply line must come, whatever its code.
    auto quit = co_await read(socket, buffer, "QUIT reply");
    if (!quit.ok()) co_return std::move(quit.failure);
    co_return CheckResult::passed();
  }

  boost::asio::awaitable<std::optional<CheckResult>> write(boost::asio::ip::tcp::socket& socket,
                                                           std::string line,
                                                           std::string_view what) {
    const smtp::WriteOutcome w =
        co_await smtp::write_text(socket, socket, std::move(line), endpoint_.connect_timeout);
    if (w.ok()) co_return std::nullopt;
    co_return fail(describe(StepOutcome{w.timed_out, w.error}, "send " + std::string(what),
                            endpoint_.connect_timeout),
                   w.timed_out ? "Write timeout to server " : "Write failure to server ");
  }

  struct Read {
    smtp::Reply reply;
    CheckResult failure;  // when !ok()
    bool failed = false;
    bool ok() const { return !failed; }
  };

  // One whole reply. keepalived reads only up to the first newline; waiting for the last line
  // keeps a multi-line greeting from being mistaken for the HELO reply.
  boost::asio::awaitable<Read> read(boost::asio::ip::tcp::socket& socket, std::string& buffer,
                                    std::string_view what) {
    smtp::ReadOutcome r =
        co_await smtp::read_reply(socket, socket, buffer, endpoint_.connect_timeout);
    Read out;
    if (r.ok()) {
      out.reply = std::move(r.reply);
      co_return out;
    }
    out.failed = true;
    StepOutcome step{r.timed_out, r.error};
    if (r.too_long) step.error = std::make_error_code(std::errc::message_size);
    out.failure = fail(describe(step, "read " + std::string(what), endpoint_.connect_timeout),
                       r.timed_out ? "Read timeout from server " : "Read failure from server ");
    co_return out;
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  std::string helo_name_;
  std::string server_;  // "[10.0.0.2]:25", for the alert texts
};

}  // namespace

std::unique_ptr<Check> make_smtp_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& /*vs*/, CheckContext& context,
                                       std::string* why) {
  const auto* smtp = std::get_if<config::SmtpCheck>(&checker.details);
  if (!smtp) {
    if (why) *why = "not an SMTP_CHECK";
    return nullptr;
  }
  return std::make_unique<SmtpCheckImpl>(context.io, endpoint_of(checker, rs), smtp->helo_name);
}

}  // namespace vigil::checkers
