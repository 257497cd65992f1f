#include "core/smtp_dialogue.h"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "tests/common/run_awaitable.h"

namespace vigil::core::smtp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

TEST(SmtpReplyCode, FirstThreeDigits) {
  EXPECT_EQ(reply_code("220 mail.example ESMTP\r\n"), 220u);
  EXPECT_EQ(reply_code("250-PIPELINING\r\n"), 250u);
  EXPECT_EQ(reply_code("22"), std::nullopt);
  EXPECT_EQ(reply_code("2x0 hello"), std::nullopt);
}

TEST(SmtpReply, ContinuationLinesUntilTheLastOne) {
  Reply r;
  EXPECT_FALSE(add_reply_line(r, "250-mx.example greets you\r\n"));
  EXPECT_FALSE(add_reply_line(r, "250-STARTTLS\r\n"));
  EXPECT_TRUE(add_reply_line(r, "250 AUTH PLAIN LOGIN\r\n"));
  EXPECT_EQ(r.code, 250u);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0], "mx.example greets you");
  EXPECT_EQ(r.lines[1], "STARTTLS");
  EXPECT_EQ(r.lines[2], "AUTH PLAIN LOGIN");
  EXPECT_EQ(r.last_line, "250 AUTH PLAIN LOGIN");
}

TEST(SmtpReply, LineWithoutCodeEndsTheReply) {
  Reply r;
  EXPECT_TRUE(add_reply_line(r, "hello there\n"));
  EXPECT_EQ(r.code, std::nullopt);
  EXPECT_EQ(r.last_line, "hello there");
}

TEST(SmtpReply, PrintableCutsAndMasks) {
  EXPECT_EQ(printable("554 no\r\n"), "554 no");
  EXPECT_EQ(printable(std::string("5\x01") + "4"), "5?4");
  EXPECT_EQ(printable(std::string(200, 'x')).size(), 80u);
}

TEST(SmtpData, DotStuffingAndTerminator) {
  // RFC 5321 4.5.2: a leading '.' is doubled; the terminator follows the last line end.
  EXPECT_EQ(data_block("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  // keepalived's messages end with an empty line; the terminator then follows it.
  EXPECT_EQ(data_block("Subject: x\r\n\r\n=> body <=\r\n\r\n"),
            "Subject: x\r\n\r\n=> body <=\r\n\r\n.\r\n");
  // Bare LF and CR become CR LF; an unterminated last line gets one.
  EXPECT_EQ(data_block("a\nb\rc"), "a\r\nb\r\nc\r\n.\r\n");
  EXPECT_EQ(data_block("."), "..\r\n.\r\n");
  EXPECT_EQ(data_block(""), "\r\n.\r\n");
}

// read_reply and write_text over a loopback connection.
class SmtpDialogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    server_ = acceptor.accept();
  }

  template <typename T>
  T run(asio::awaitable<T> op) {
    std::optional<T> out = test_support::run_awaitable(io_, std::move(op));
    EXPECT_TRUE(out) << "the operation threw or did not finish";
    return out.value_or(T{});
  }

  void say(const std::string& text) { asio::write(server_, asio::buffer(text)); }

  asio::io_context io_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  std::string buffer_;
};

TEST_F(SmtpDialogueTest, ReadsAWholeMultiLineReplyAndKeepsWhatFollows) {
  say("250-first\r\n250 last\r\n354 pipelined\r\n");
  ReadOutcome r = run(read_reply(client_, client_, buffer_, std::chrono::seconds(5)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.reply.code, 250u);
  EXPECT_EQ(r.reply.lines.size(), 2u);
  EXPECT_EQ(buffer_, "354 pipelined\r\n");
  r = run(read_reply(client_, client_, buffer_, std::chrono::seconds(5)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.reply.code, 354u);
  EXPECT_TRUE(buffer_.empty());
}

TEST_F(SmtpDialogueTest, SilenceTimesOut) {
  const ReadOutcome r = run(read_reply(client_, client_, buffer_, std::chrono::milliseconds(100)));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
}

TEST_F(SmtpDialogueTest, CloseIsAnError) {
  say("250-partial\r\n");
  server_.close();
  const ReadOutcome r = run(read_reply(client_, client_, buffer_, std::chrono::seconds(5)));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.error, std::error_code(boost::system::error_code(asio::error::eof)));
}

TEST_F(SmtpDialogueTest, EndlessContinuationIsCut) {
  std::string lines;
  for (std::size_t i = 0; i <= kMaxReplyLines; ++i) lines += "250-more\r\n";
  say(lines);
  const ReadOutcome r = run(read_reply(client_, client_, buffer_, std::chrono::seconds(5)));
  EXPECT_TRUE(r.too_long);
  EXPECT_FALSE(r.ok());
}

TEST_F(SmtpDialogueTest, WritesTheWholeText) {
  const WriteOutcome w = run(write_text(client_, client_, "EHLO me\r\n", std::chrono::seconds(5)));
  EXPECT_TRUE(w.ok());
  std::string got(9, '\0');
  asio::read(server_, asio::buffer(got));
  EXPECT_EQ(got, "EHLO me\r\n");
}

}  // namespace
}  // namespace vigil::core::smtp
