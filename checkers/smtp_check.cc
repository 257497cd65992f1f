#include "checkers/smtp_check.h"

#include <cctype>
#include <chrono>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "checkers/connect.h"
#include "checkers/deadline.h"

namespace vigil::checkers {
namespace {

using boost::asio::as_tuple;
using boost::asio::use_awaitable;

// Longest reply we buffer; RFC 5321 4.5.3.1.5 limits a reply line to 512 octets.
constexpr std::size_t kMaxReply = 8192;

// A reply line for a reason: without its CR LF, at most 80 characters.
std::string printable(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::string out(line.substr(0, 80));
  for (char& c : out) {
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  }
  return out;
}

class SmtpCheckImpl final : public Check {
 public:
  SmtpCheckImpl(boost::asio::io_context& io, Endpoint endpoint, std::string helo_name)
      : io_(io), endpoint_(std::move(endpoint)), helo_name_(std::move(helo_name)) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result = co_await probe();
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  struct Reply {
    std::string error;  // set when no complete reply arrived in time
    std::optional<unsigned> code;
    std::string last_line;
  };

  boost::asio::awaitable<CheckResult> probe() {
    boost::asio::ip::tcp::socket socket(io_);
    const StepOutcome connected = co_await connect_endpoint(socket, endpoint_);
    if (!connected.ok()) {
      co_return CheckResult::failed(describe(connected, "connect", endpoint_.connect_timeout));
    }
    std::string buffer;

    Reply greeting = co_await read_reply(socket, buffer, "greeting");
    if (!greeting.error.empty()) co_return CheckResult::failed(std::move(greeting.error));
    // keepalived: "Bad greeting banner" unless the code is exactly 220.
    if (greeting.code != 220u) co_return CheckResult::failed("bad greeting: " + greeting.last_line);

    if (auto e = co_await write_line(socket, "HELO " + helo_name_ + "\r\n", "HELO"); !e.empty()) {
      co_return CheckResult::failed(std::move(e));
    }
    Reply helo = co_await read_reply(socket, buffer, "HELO reply");
    if (!helo.error.empty()) co_return CheckResult::failed(std::move(helo.error));
    if (helo.code != 250u) co_return CheckResult::failed("bad HELO reply: " + helo.last_line);

    if (auto e = co_await write_line(socket, "QUIT\r\n", "QUIT"); !e.empty()) {
      co_return CheckResult::failed(std::move(e));
    }
    // keepalived SMTP_RECV_QUIT: a reply line must come, whatever its code.
    Reply quit = co_await read_reply(socket, buffer, "QUIT reply");
    if (!quit.error.empty()) co_return CheckResult::failed(std::move(quit.error));
    co_return CheckResult::passed();
  }

  boost::asio::awaitable<std::string> write_line(boost::asio::ip::tcp::socket& socket,
                                                 std::string line, std::string_view what) {
    auto r = co_await with_deadline(
        boost::asio::async_write(socket, boost::asio::buffer(line), as_tuple(use_awaitable)),
        endpoint_.connect_timeout);
    StepOutcome out;
    if (!r) {
      out.timed_out = true;
    } else {
      out.error = std::get<0>(*r);
    }
    co_return describe(out, "send " + std::string(what), endpoint_.connect_timeout);
  }

  // One whole reply: "ddd-text" lines continue it, "ddd text" (or a line without a hyphen) ends
  // it (RFC 5321 4.2.1). keepalived reads only up to the first newline; waiting for the last line
  // keeps a multi-line greeting from being mistaken for the HELO reply.
  boost::asio::awaitable<Reply> read_reply(boost::asio::ip::tcp::socket& socket,
                                           std::string& buffer, std::string_view what) {
    Reply reply;
    while (true) {
      auto r = co_await with_deadline(
          boost::asio::async_read_until(socket, boost::asio::dynamic_buffer(buffer, kMaxReply),
                                        '\n', as_tuple(use_awaitable)),
          endpoint_.connect_timeout);
      StepOutcome out;
      if (!r) {
        out.timed_out = true;
      } else if (auto [ec, n] = *r; ec) {
        out.error = ec;
      } else {
        const std::string line = buffer.substr(0, n);
        buffer.erase(0, n);
        reply.code = smtp_reply_code(line);
        reply.last_line = printable(line);
        if (line.size() > 3 && line[3] == '-' && reply.code) continue;
        co_return reply;
      }
      reply.error = describe(out, "read " + std::string(what), endpoint_.connect_timeout);
      co_return reply;
    }
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  std::string helo_name_;
};

}  // namespace

std::optional<unsigned> smtp_reply_code(std::string_view line) {
  if (line.size() < 3) return std::nullopt;
  unsigned code = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return std::nullopt;
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  return code;
}

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
