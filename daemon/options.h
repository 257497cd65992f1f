#pragma once

// keepalived's command line, so that unit files and scripts written for keepalived work.

#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/logging.h"

namespace vigil::daemon {

// vigil extension --status-http=[ADDRESS:]PORT: the read-only HTTP status listener.
struct HttpListen {
  core::IpAddress address = boost::asio::ip::address_v4::loopback();
  std::uint16_t port = 0;
};

struct Options {
  std::string config_file = "/etc/keepalived/keepalived.conf";  // -f
  bool config_test = false;                                     // -t
  std::string config_test_log;                                  // -t=FILE: diagnostics there
  bool dump_conf = false;                                       // -d
  bool dont_fork = false;                                       // -n
  core::LogOptions log;                                         // -l -D -S -G
  bool vrrp_only = false;                                       // -P
  bool check_only = false;                                      // -C
  bool no_bfd = false;                                          // -B (vigil has no BFD)
  bool all_children = false;                                    // --all
  std::optional<unsigned> umask;                                // -u
  bool release_vips = false;                                    // -X
  bool dont_release_vrrp = false;                               // -V
  bool dont_release_ipvs = false;                               // -I
  bool dont_respawn = false;                                    // -R (vigil is one process)
  std::string pid_file = "/run/vigild.pid";                     // -p
  std::string vrrp_pid_file;                                    // -r
  std::string checkers_pid_file;                                // -c
  std::string bfd_pid_file;                                     // -b
  bool address_monitoring = false;                              // -a
  bool snmp = false;                                            // -x
  std::string snmp_socket;                                      // -A
  std::string net_namespace;                                    // -s
  bool core_dump = false;                                       // -m
  std::string core_dump_pattern;                                // -M
  bool all_config = false;                                      // -e
  std::string config_id;                                        // -i
  bool version = false;                                         // -v
  bool help = false;                                            // -h
  std::string signum;                                           // --signum=NAME
  std::vector<std::string> notices;  // accepted options vigil has no use for, said once at start
  // vigil extensions (long options only; keepalived has none of these).
  std::string control_socket;      // --control-socket=PATH; empty: control_socket_path()'s default
  bool no_control_socket = false;  // --no-control-socket
  std::optional<HttpListen> status_http;  // --status-http=[ADDRESS:]PORT; unset: off
};

// The control socket's path: --control-socket, else the pid file's path with ".pid" replaced by
// ".sock" (/run/vigild.sock by default, where vigilctl looks), so daemons with their own pid
// files get their own sockets. Empty with --no-control-socket.
std::string control_socket_path(const Options& options);
// "[ADDRESS:]PORT" ("8080", "127.0.0.1:8080", "[::1]:8080"); nullopt with `error` set.
std::optional<HttpListen> parse_http_listen(const std::string& text, std::string& error);

struct ParsedOptions {
  Options options;
  std::string error;  // non-empty: a usage error to print before the usage text
};

ParsedOptions parse_options(int argc, char** argv);
std::string usage_text(const char* program);
std::string version_text();
// keepalived's --signum names (STOP RELOAD DATA STATS STATS_CLEAR JSON) to signal numbers.
std::optional<int> signal_number(const std::string& name);

}  // namespace vigil::daemon
