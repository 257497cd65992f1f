#include "checkers/genhash.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "check_test_util.h"
#include "checkers/http_message.h"
#include "child_process.h"

namespace vigil::checkers {
namespace {

std::optional<GenhashOptions> parse(std::vector<std::string> args, std::string* error) {
  args.insert(args.begin(), "vigil-genhash");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_genhash_options(static_cast<int>(args.size()), argv.data(), error);
}

TEST(Genhash, ParsesKeepalivedsOptions) {
  std::string error;
  auto o = parse({"-S", "-I", "-s", "::1", "-p", "8443", "-u", "/x", "-V", "www", "-P", "1.0c",
                  "-t", "3", "-m", "7", "-v"},
                 &error);
  ASSERT_TRUE(o) << error;
  EXPECT_TRUE(o->tls);
  EXPECT_TRUE(o->sni);
  EXPECT_EQ(o->endpoint.address.to_string(), "::1");
  EXPECT_EQ(o->endpoint.port, 8443);
  EXPECT_EQ(o->path, "/x");
  EXPECT_EQ(o->virtualhost, "www");
  EXPECT_EQ(o->protocol, config::HttpProtocol::k1_0C);
  EXPECT_EQ(o->endpoint.connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(o->endpoint.fwmark, 7u);
  EXPECT_TRUE(o->verbose);
  ASSERT_TRUE(parse({"--server", "10.0.0.1", "--port", "80", "--url", "/"}, &error)) << error;
}

TEST(Genhash, RejectsIncompleteOrBadCommandLines) {
  std::string error;
  EXPECT_FALSE(parse({"-s", "10.0.0.1", "-p", "80"}, &error));  // no -u
  EXPECT_FALSE(parse({"-s", "host.example", "-p", "80", "-u", "/"}, &error));
  EXPECT_NE(error.find("IP"), std::string::npos);
  EXPECT_FALSE(parse({"-s", "10.0.0.1", "-p", "0", "-u", "/"}, &error));
  EXPECT_FALSE(parse({"-s", "10.0.0.1", "-p", "80", "-u", "/", "-P", "2"}, &error));
  EXPECT_FALSE(parse({"-s", "10.0.0.1", "-p", "80", "-u", "/", "extra"}, &error));
}

TEST(Genhash, PrintsTheBodyDigestOfARealServer) {
  boost::asio::io_context io;
  const auto dir =
      std::filesystem::temp_directory_path() / ("vigil-genhash-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string body = "genhash body\n";
  std::ofstream(dir / "page.html") << body;
  const auto port = testing::closed_port(io);
  {
    testing::ChildProcess server(
        {"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)},
        dir.string());
    ASSERT_TRUE(server.wait_listening(port));
    std::string error;
    auto o = parse({"-s", "127.0.0.1", "-p", std::to_string(port), "-u", "/page.html"}, &error);
    ASSERT_TRUE(o) << error;
    std::ostringstream out, err;
    EXPECT_EQ(run_genhash(*o, out, err), 0) << err.str();
    Md5 md5;
    md5.update(body);
    EXPECT_EQ(out.str(), md5.hex_final() + "\n");
  }
  std::filesystem::remove_all(dir);
}

TEST(Genhash, ReportsAFailure) {
  boost::asio::io_context io;
  std::string error;
  auto o =
      parse({"-s", "127.0.0.1", "-p", std::to_string(testing::closed_port(io)), "-u", "/"}, &error);
  ASSERT_TRUE(o);
  std::ostringstream out, err;
  EXPECT_EQ(run_genhash(*o, out, err), 1);
  EXPECT_NE(err.str().find("refused"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace vigil::checkers
