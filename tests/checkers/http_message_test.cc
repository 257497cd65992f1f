#include "checkers/http_message.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

namespace vigil::checkers {
namespace {

using config::HttpProtocol;

TEST(HttpRequest, KeepalivedShapeForEachProtocol) {
  EXPECT_EQ(http_request("/", HttpProtocol::k1_0, "10.0.0.2:80"),
            "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.2:80\r\n\r\n");
  EXPECT_EQ(http_request("/h", HttpProtocol::k1_0C, "www"),
            "GET /h HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\n"
            "Host: www\r\n\r\n");
  EXPECT_EQ(http_request("/h?x=1", HttpProtocol::k1_1, "www"),
            "GET /h?x=1 HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\n"
            "Host: www\r\n\r\n");
}

TEST(HttpHost, VirtualhostWithoutPortElseAddressAndPort) {
  const std::string vhost = "www.example.com";
  EXPECT_EQ(http_host(&vhost, boost::asio::ip::make_address("10.0.0.2"), 8080), vhost);
  EXPECT_EQ(http_host(nullptr, boost::asio::ip::make_address("10.0.0.2"), 8080), "10.0.0.2:8080");
  EXPECT_EQ(http_host(nullptr, boost::asio::ip::make_address("fd00::2"), 80), "[fd00::2]:80");
}

struct Collected {
  std::string body;
  HttpResponseParser parser{[this](std::string_view b) { body.append(b); }};
};

// Feeds `text` one byte at a time: every state must survive any split.
void feed_bytewise(HttpResponseParser& p, std::string_view text) {
  for (char c : text) p.feed(std::string_view(&c, 1));
}

TEST(HttpResponseParser, StatusAndContentLengthBody) {
  Collected c;
  ASSERT_TRUE(c.parser.feed("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello-extra"));
  EXPECT_TRUE(c.parser.header_complete());
  EXPECT_TRUE(c.parser.body_complete());
  EXPECT_EQ(c.parser.status(), 200u);
  EXPECT_EQ(c.parser.content_length(), 5u);
  EXPECT_EQ(c.body, "hello");  // keepalived digests at most Content-Length bytes
}

TEST(HttpResponseParser, HeaderNamesAreCaseInsensitive) {
  Collected c;
  feed_bytewise(c.parser, "HTTP/1.1 503 Busy\r\ncontent-length:  3\r\n\r\nabc");
  EXPECT_EQ(c.parser.status(), 503u);
  EXPECT_EQ(c.body, "abc");
  EXPECT_TRUE(c.parser.body_complete());
}

TEST(HttpResponseParser, BodyWithoutLengthRunsToTheClose) {
  Collected c;
  c.parser.feed("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nab");
  c.parser.feed("cd");
  EXPECT_FALSE(c.parser.body_complete());
  EXPECT_EQ(c.body, "abcd");
  EXPECT_EQ(c.parser.body_bytes(), 4u);
}

TEST(HttpResponseParser, IncompleteHeaderIsNotComplete) {
  Collected c;
  c.parser.feed("HTTP/1.0 200 OK\r\nServer: x\r\n");
  EXPECT_FALSE(c.parser.header_complete());
}

TEST(HttpResponseParser, ChunkedBodyIsDecodedBeforeTheSink) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
      "5;ext=1\r\nhello\r\n"
      "7\r\n, world\r\n"
      "0\r\nX-Trailer: y\r\n\r\n";
  Collected whole;
  ASSERT_TRUE(whole.parser.feed(text));
  EXPECT_EQ(whole.body, "hello, world");
  EXPECT_TRUE(whole.parser.body_complete());
  EXPECT_TRUE(whole.parser.chunked());
  EXPECT_FALSE(whole.parser.content_length());

  Collected bytewise;
  feed_bytewise(bytewise.parser, text);
  EXPECT_EQ(bytewise.body, "hello, world");
  EXPECT_TRUE(bytewise.parser.body_complete());
}

TEST(HttpResponseParser, BadChunkSizeIsAnError) {
  Collected c;
  EXPECT_FALSE(c.parser.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  EXPECT_TRUE(c.parser.failed());
  EXPECT_NE(c.parser.error().find("chunk"), std::string::npos);
}

TEST(HttpResponseParser, NoBodyFor204AndZeroLength) {
  Collected a;
  a.parser.feed("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_TRUE(a.parser.body_complete());
  Collected b;
  b.parser.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(b.parser.body_complete());
}

TEST(HttpResponseParser, GarbageStatusLineGivesStatusZero) {
  Collected c;
  c.parser.feed("SSH-2.0-OpenSSH\r\n\r\n");
  EXPECT_TRUE(c.parser.header_complete());
  EXPECT_EQ(c.parser.status(), 0u);
}

TEST(HttpResponseParser, HugeHeaderIsRejected) {
  Collected c;
  std::string big = "HTTP/1.0 200 OK\r\n";
  while (big.size() <= HttpResponseParser::kMaxHeaderBytes) big += "X-Filler: aaaaaaaaaaaa\r\n";
  EXPECT_FALSE(c.parser.feed(big));
  EXPECT_TRUE(c.parser.failed());
}

TEST(Md5, KnownDigests) {
  Md5 empty;
  EXPECT_EQ(empty.hex_final(), "d41d8cd98f00b204e9800998ecf8427e");
  Md5 split;
  split.update("hello ");
  split.update("world");
  EXPECT_EQ(split.hex_final(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
}

}  // namespace
}  // namespace vigil::checkers
