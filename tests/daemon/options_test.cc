#include "daemon/options.h"

#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

namespace vigil::daemon {
namespace {

ParsedOptions parse(std::vector<std::string> args) {
  args.insert(args.begin(), "vigild");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_options(static_cast<int>(args.size()), argv.data());
}

TEST(Options, KeepalivedFlags) {
  auto p = parse({"-f", "/tmp/k.conf", "-n", "-l", "-D", "-S", "local3", "-G", "-P", "-p", "/tmp/p",
                  "-i", "lb1", "-e", "-d"});
  ASSERT_EQ(p.error, "");
  const Options& o = p.options;
  EXPECT_EQ(o.config_file, "/tmp/k.conf");
  EXPECT_TRUE(o.dont_fork && o.log.console && o.log.detail && !o.log.syslog && o.vrrp_only);
  EXPECT_EQ(o.log.syslog_facility, 19 << 3);  // LOG_LOCAL3
  EXPECT_EQ(o.pid_file, "/tmp/p");
  EXPECT_EQ(o.config_id, "lb1");
  EXPECT_TRUE(o.all_config && o.dump_conf);
}

TEST(Options, ConfigTestTakesAnOptionalLogFile) {
  EXPECT_TRUE(parse({"-t"}).options.config_test);
  EXPECT_EQ(parse({"-t"}).options.config_test_log, "");
  EXPECT_EQ(parse({"--config-test=/tmp/log"}).options.config_test_log, "/tmp/log");
  EXPECT_EQ(parse({"-t/tmp/log"}).options.config_test_log, "/tmp/log");
  EXPECT_EQ(parse({"--use-file=/x", "--config-test"}).options.config_file, "/x");
}

TEST(Options, UsageErrors) {
  EXPECT_EQ(parse({"-Q"}).error, "unknown option '-Q'");
  EXPECT_EQ(parse({"-f"}).error, "option '-f' requires an argument");
  EXPECT_EQ(parse({"-S", "local9"}).error,
            "invalid log facility 'local9' (expected 0-7, local0-local7, user or daemon)");
  EXPECT_EQ(parse({"-P", "-C"}).error, "-P/--vrrp and -C/--check exclude each other");
  EXPECT_EQ(parse({"stray"}).error, "unexpected argument 'stray'");
}

TEST(Options, UnimplementedFeaturesAreSaidNotSilent) {
  auto p = parse({"-x", "-r", "/tmp/r"});
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.options.notices.size(), 2u);
}

TEST(Options, SignalNumbersMatchKeepalived) {
  EXPECT_EQ(signal_number("STOP"), SIGTERM);
  EXPECT_EQ(signal_number("RELOAD"), SIGHUP);
  EXPECT_EQ(signal_number("DATA"), SIGUSR1);
  EXPECT_EQ(signal_number("STATS"), SIGUSR2);
  EXPECT_EQ(signal_number("JSON"), SIGRTMIN + 2);
  EXPECT_EQ(signal_number("STATS_CLEAR"), SIGRTMAX - 1);
  EXPECT_FALSE(signal_number("TDATA"));
}

TEST(Options, ControlSocketFollowsThePidFile) {
  EXPECT_EQ(control_socket_path(parse({}).options), "/run/vigild.sock");
  EXPECT_EQ(control_socket_path(parse({"-p", "/tmp/lab/d1.pid"}).options), "/tmp/lab/d1.sock");
  EXPECT_EQ(control_socket_path(parse({"-p", "/tmp/d1"}).options), "/tmp/d1.sock");
  EXPECT_EQ(control_socket_path(parse({"-p", "/tmp/d1.pid", "--control-socket=/tmp/c"}).options),
            "/tmp/c");
  EXPECT_EQ(control_socket_path(parse({"--no-control-socket"}).options), "");
  EXPECT_EQ(parse({"--control-socket="}).error,
            "--control-socket needs a path (--no-control-socket turns it off)");
}

TEST(Options, StatusHttpIsOffByDefaultAndLoopbackUnlessAnAddressIsGiven) {
  EXPECT_FALSE(parse({}).options.status_http);
  auto port_only = parse({"--status-http=8080"}).options.status_http;
  ASSERT_TRUE(port_only);
  EXPECT_EQ(port_only->address.to_string(), "127.0.0.1");
  EXPECT_EQ(port_only->port, 8080);
  auto v4 = parse({"--status-http", "0.0.0.0:9100"}).options.status_http;
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address.to_string(), "0.0.0.0");
  EXPECT_EQ(v4->port, 9100);
  auto v6 = parse({"--status-http=[::1]:81"}).options.status_http;
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address.to_string(), "::1");
  EXPECT_EQ(v6->port, 81);
}

TEST(Options, StatusHttpDiagnostics) {
  EXPECT_EQ(parse({"--status-http=0"}).error,
            "--status-http: invalid port '0' (expected 1..65535)");
  EXPECT_EQ(parse({"--status-http=70000"}).error,
            "--status-http: invalid port '70000' (expected 1..65535)");
  EXPECT_EQ(parse({"--status-http=1.2.3.4:"}).error,
            "--status-http: invalid port '' (expected 1..65535)");
  EXPECT_EQ(parse({"--status-http=nohost:80"}).error,
            "--status-http: invalid address 'nohost' (expected an IPv4 or IPv6 address)");
  EXPECT_EQ(parse({"--status-http=::1:80"}).error,
            "--status-http: an IPv6 address needs brackets: '[::1]:PORT'");
  EXPECT_EQ(parse({"--status-http"}).error, "option '--status-http' requires an argument");
}

}  // namespace
}  // namespace vigil::daemon
