#pragma once

// The line layer of an SMTP conversation (RFC 5321), shared by SMTP_CHECK (checkers/) and the
// SMTP alert client (daemon/): reading one whole reply ("ddd-text" lines continue it, "ddd text"
// ends it, 4.2.1), writing a command, dot-stuffing a message for DATA (4.5.2). Every step runs
// within a time limit on the connection's TCP socket (with_socket_deadline) and reports errors as
// values; `Stream` is a tcp::socket or an ssl::stream over one.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/cancel_deadline.h"
#include "core/clock.h"

namespace vigil::core::smtp {

// RFC 5321 4.5.3.1.5 limits a reply line to 512 octets; we accept longer ones up to this.
inline constexpr std::size_t kMaxReplyLine = 8192;
// More continuation lines than any real server sends (EHLO lists a dozen extensions).
inline constexpr std::size_t kMaxReplyLines = 100;

// The reply code of a reply line: its first three characters when they are digits (keepalived
// smtp_get_status), else nullopt.
std::optional<unsigned> reply_code(std::string_view line);

// A line for a message or log: without its CR LF, at most 80 characters, unprintable bytes as
// '?'.
std::string printable(std::string_view line);

struct Reply {
  std::optional<unsigned> code;    // of the last line; nullopt when it has none
  std::vector<std::string> lines;  // every line's text after "ddd-" / "ddd ", without CR LF
  std::string last_line;           // printable(the last line), for messages
};

struct ReadOutcome {
  bool timed_out = false;
  std::error_code error;  // eof, connection reset, a line longer than kMaxReplyLine, ...
  bool too_long = false;  // more than kMaxReplyLines lines
  Reply reply;
  bool ok() const { return !timed_out && !error && !too_long; }
};

struct WriteOutcome {
  bool timed_out = false;
  std::error_code error;
  bool ok() const { return !timed_out && !error; }
};

// Adds one received line (with its line end) to `reply`; true when the reply is complete.
bool add_reply_line(Reply& reply, std::string_view line);

// Dot-stuffing for DATA (RFC 5321 4.5.2): a line that starts with '.' gets another '.', a lone
// CR or LF becomes CR LF, and the terminator follows (".\r\n" after a final line end, else
// "\r\n.\r\n").
std::string data_block(std::string_view message);

// Reads one whole reply from `stream`; each line must arrive within `limit`. `buffer` carries
// bytes read past the reply to the next call (pipelining servers, STARTTLS checks it is empty).
template <typename Stream>
boost::asio::awaitable<ReadOutcome> read_reply(Stream& stream, boost::asio::ip::tcp::socket& socket,
                                               std::string& buffer, Duration limit) {
  ReadOutcome out;
  for (std::size_t n = 0; n < kMaxReplyLines; ++n) {
    auto r = co_await with_socket_deadline(
        socket,
        boost::asio::async_read_until(stream, boost::asio::dynamic_buffer(buffer, kMaxReplyLine),
                                      '\n', boost::asio::as_tuple(boost::asio::use_awaitable)),
        limit);
    if (!r) {
      out.timed_out = true;
      co_return out;
    }
    auto [ec, length] = *r;
    if (ec) {
      out.error = ec;
      co_return out;
    }
    const bool complete = add_reply_line(out.reply, std::string_view(buffer).substr(0, length));
    buffer.erase(0, length);
    if (complete) co_return out;
  }
  out.too_long = true;
  co_return out;
}

// Writes `text` whole within `limit`.
template <typename Stream>
boost::asio::awaitable<WriteOutcome> write_text(Stream& stream,
                                                boost::asio::ip::tcp::socket& socket,
                                                std::string text, Duration limit) {
  auto r = co_await with_socket_deadline(
      socket,
      boost::asio::async_write(stream, boost::asio::buffer(text.data(), text.size()),
                               boost::asio::as_tuple(boost::asio::use_awaitable)),
      limit);
  WriteOutcome out;
  if (!r) {
    out.timed_out = true;
  } else {
    out.error = std::get<0>(*r);
  }
  co_return out;
}

}  // namespace vigil::core::smtp
