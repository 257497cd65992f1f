#include "daemon/options.h"

#include <getopt.h>

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace vigil::daemon {
namespace {

enum LongOnly { kAll = 1000, kSignum, kControlSocket, kNoControlSocket, kStatusHttp };

// The same letters and long names as keepalived 2.2.7 (`keepalived --help`).
constexpr const char* kShortOptions = ":f:PCBlDS:Gu:XVIRndp:r:c:ab:xA:s:mM::ei:t::vhT";
const option kLongOptions[] = {
    {"use-file", required_argument, nullptr, 'f'},
    {"vrrp", no_argument, nullptr, 'P'},
    {"check", no_argument, nullptr, 'C'},
    {"no_bfd", no_argument, nullptr, 'B'},
    {"all", no_argument, nullptr, kAll},
    {"log-console", no_argument, nullptr, 'l'},
    {"log-detail", no_argument, nullptr, 'D'},
    {"log-facility", required_argument, nullptr, 'S'},
    {"no-syslog", no_argument, nullptr, 'G'},
    {"umask", required_argument, nullptr, 'u'},
    {"release-vips", no_argument, nullptr, 'X'},
    {"dont-release-vrrp", no_argument, nullptr, 'V'},
    {"dont-release-ipvs", no_argument, nullptr, 'I'},
    {"dont-respawn", no_argument, nullptr, 'R'},
    {"dont-fork", no_argument, nullptr, 'n'},
    {"dump-conf", no_argument, nullptr, 'd'},
    {"pid", required_argument, nullptr, 'p'},
    {"vrrp_pid", required_argument, nullptr, 'r'},
    {"checkers_pid", required_argument, nullptr, 'c'},
    {"address-monitoring", no_argument, nullptr, 'a'},
    {"bfd_pid", required_argument, nullptr, 'b'},
    {"snmp", no_argument, nullptr, 'x'},
    {"snmp-agent-socket", required_argument, nullptr, 'A'},
    {"namespace", required_argument, nullptr, 's'},
    {"core-dump", no_argument, nullptr, 'm'},
    {"core-dump-pattern", optional_argument, nullptr, 'M'},
    {"all-config", no_argument, nullptr, 'e'},
    {"config-id", required_argument, nullptr, 'i'},
    {"signum", required_argument, nullptr, kSignum},
    {"config-test", optional_argument, nullptr, 't'},
    {"genhash", no_argument, nullptr, 'T'},
    {"version", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"control-socket", required_argument, nullptr, kControlSocket},
    {"no-control-socket", no_argument, nullptr, kNoControlSocket},
    {"status-http", required_argument, nullptr, kStatusHttp},
    {nullptr, 0, nullptr, 0},
};

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
  ParsedOptions out;
  Options& o = out.options;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, kShortOptions, kLongOptions, nullptr)) != -1) {
    switch (c) {
      case 'f':
        o.config_file = optarg;
        break;
      case 'P':
        o.vrrp_only = true;
        break;
      case 'C':
        o.check_only = true;
        break;
      case 'B':
        o.no_bfd = true;
        break;
      case kAll:
        o.all_children = true;
        break;
      case 'l':
        o.log.console = true;
        break;
      case 'D':
        o.log.detail = true;
        break;
      case 'S':
        if (!core::parse_syslog_facility(optarg, o.log.syslog_facility)) {
          out.error = std::string("invalid log facility '") + optarg +
                      "' (expected 0-7, local0-local7, user or daemon)";
          return out;
        }
        break;
      case 'G':
        o.log.syslog = false;
        break;
      case 'u': {
        char* end = nullptr;
        unsigned long v = std::strtoul(optarg, &end, 0);
        if (*optarg == '\0' || *end != '\0' || v > 0777) {
          out.error = std::string("invalid umask '") + optarg + "'";
          return out;
        }
        o.umask = static_cast<unsigned>(v);
        break;
      }
      case 'X':
        o.release_vips = true;
        break;
      case 'V':
        o.dont_release_vrrp = true;
        break;
      case 'I':
        o.dont_release_ipvs = true;
        break;
      case 'R':
        o.dont_respawn = true;
        o.notices.push_back("-R/--dont-respawn: vigild is a single process; nothing to respawn");
        break;
      case 'n':
        o.dont_fork = true;
        break;
      case 'd':
        o.dump_conf = true;
        break;
      case 'p':
        o.pid_file = optarg;
        break;
      case 'r':
        o.vrrp_pid_file = optarg;
        o.notices.push_back(
            "-r/--vrrp_pid: vigild is a single process; only the main pid file "
            "is written");
        break;
      case 'c':
        o.checkers_pid_file = optarg;
        o.notices.push_back(
            "-c/--checkers_pid: vigild is a single process; only the main pid "
            "file is written");
        break;
      case 'a':
        o.address_monitoring = true;
        break;
      case 'b':
        o.bfd_pid_file = optarg;
        o.notices.push_back("-b/--bfd_pid: vigil does not implement BFD");
        break;
      case 'x':
        o.snmp = true;
        o.notices.push_back(
            "-x/--snmp: vigil does not implement SNMP; use the status socket or "
            "Prometheus metrics");
        break;
      case 'A':
        o.snmp_socket = optarg;
        o.notices.push_back("-A/--snmp-agent-socket: vigil does not implement SNMP");
        break;
      case 's':
        o.net_namespace = optarg;
        break;
      case 'm':
        o.core_dump = true;
        break;
      case 'M':
        o.core_dump = true;
        o.core_dump_pattern = optarg != nullptr ? optarg : "core";
        break;
      case 'e':
        o.all_config = true;
        break;
      case 'i':
        o.config_id = optarg;
        break;
      case kSignum:
        o.signum = optarg;
        break;
      case kControlSocket:
        if (*optarg == '\0') {
          out.error = "--control-socket needs a path (--no-control-socket turns it off)";
          return out;
        }
        o.control_socket = optarg;
        break;
      case kNoControlSocket:
        o.no_control_socket = true;
        break;
      case kStatusHttp: {
        std::string why;
        o.status_http = parse_http_listen(optarg, why);
        if (!o.status_http) {
          out.error = "--status-http: " + why;
          return out;
        }
        break;
      }
      case 't':
        o.config_test = true;
        if (optarg != nullptr) o.config_test_log = optarg;
        break;
      case 'T':
        out.error = "-T/--genhash is not available yet";
        return out;
      case 'v':
        o.version = true;
        break;
      case 'h':
        o.help = true;
        break;
      case ':':
        out.error = std::string("option '") + argv[optind - 1] + "' requires an argument";
        return out;
      default:
        out.error = std::string("unknown option '") +
                    (optopt != 0 ? std::string("-") + static_cast<char>(optopt)
                                 : std::string(argv[optind - 1])) +
                    "'";
        return out;
    }
  }
  if (optind < argc) {
    out.error = std::string("unexpected argument '") + argv[optind] + "'";
  }
  if (o.vrrp_only && o.check_only) {
    out.error = "-P/--vrrp and -C/--check exclude each other";
  }
  return out;
}

std::string control_socket_path(const Options& options) {
  if (options.no_control_socket) return {};
  if (!options.control_socket.empty()) return options.control_socket;
  std::string path = options.pid_file;
  if (path.ends_with(".pid")) path.resize(path.size() - 4);
  return path + ".sock";
}

std::optional<HttpListen> parse_http_listen(const std::string& text, std::string& error) {
  HttpListen out;
  std::string_view port = text;
  if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    std::string_view host = std::string_view(text).substr(0, colon);
    port = std::string_view(text).substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
      error = "an IPv6 address needs brackets: '[" + std::string(host) + "]:PORT'";
      return std::nullopt;
    }
    auto address = core::parse_ip_address(host);
    if (!address) {
      error = "invalid address '" + std::string(host) + "' (expected an IPv4 or IPv6 address)";
      return std::nullopt;
    }
    out.address = *address;
  }
  unsigned long value = 0;
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) value = std::stoul(std::string(port));
  if (!digits || value == 0 || value > 65535) {
    error = "invalid port '" + std::string(port) + "' (expected 1..65535)";
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

std::optional<int> signal_number(const std::string& name) {
  // keepalived 2.2.7 uses SIGRTMIN+2 for the JSON dump and SIGRTMAX-1 to clear statistics.
  if (name == "STOP") return SIGTERM;
  if (name == "RELOAD") return SIGHUP;
  if (name == "DATA") return SIGUSR1;
  if (name == "STATS") return SIGUSR2;
  if (name == "STATS_CLEAR") return SIGRTMAX - 1;
  if (name == "JSON") return SIGRTMIN + 2;
  return std::nullopt;
}

std::string version_text() {
  return "vigild " VIGIL_VERSION " (reads keepalived 2.2.7 configuration)\n";
}

std::string usage_text(const char* program) {
  std::string p = program;
  return "Usage: " + p + " [OPTION...]\n" +
         R"(  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -t, --config-test[=LOG_FILE] Check the configuration, print diagnostics (to LOG_FILE if
                                given, else stderr) and exit: 0 valid, 5 errors or warnings,
                                6 scripts would run insecurely without enable_script_security
  -d, --dump-conf              Print the effective configuration as JSON and exit
                                (exit code as for -t)
  -i, --config-id=ID           Keep '@ID' lines and drop '@^ID' lines (default: short hostname)
  -e, --all-config             Error if any configuration file is missing
  -P, --vrrp                   Only run the VRRP subsystem
  -C, --check                  Only run the health checkers (and IPVS)
  -n, --dont-fork              Stay in the foreground
  -l, --log-console            Log to the console (stderr)
  -D, --log-detail             Detailed (debug) log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Syslog facility (default daemon)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (numeric)
  -X, --release-vips           Drop VIPs on transition caused by a signal
  -V, --dont-release-vrrp      Don't remove VIPs and virtual routes on stop
  -I, --dont-release-ipvs      Don't remove the IPVS table on stop
  -p, --pid=FILE               Pid file (default /run/vigild.pid)
  -r, --vrrp_pid=FILE          Accepted for keepalived compatibility (one process)
  -c, --checkers_pid=FILE      Accepted for keepalived compatibility (one process)
  -a, --address-monitoring     Log every address addition/deletion seen via netlink
  -s, --namespace=NAME         Run in network namespace NAME
  -m, --core-dump              Produce a core dump on abnormal termination
  -M, --core-dump-pattern[=P]  Also set kernel.core_pattern to P (default 'core')
      --signum=NAME            Print the signal number for STOP, RELOAD, DATA, STATS,
                                STATS_CLEAR or JSON
  -B, --no_bfd, --all, -R, -b, -x, -A
                               Accepted for keepalived compatibility; vigil has no BFD, SNMP
                                or child processes, and says so at start
  -v, --version                Display the version number
  -h, --help                   Display this help message
vigil extensions:
      --control-socket=PATH    Control socket for vigilctl (default: the pid file's path
                                with .pid replaced by .sock, /run/vigild.sock)
      --no-control-socket      Run without the control socket
      --status-http=[ADDRESS:]PORT
                               Serve the read-only status page, /status.json and /metrics
                                over HTTP (off by default; ADDRESS defaults to 127.0.0.1)
)";
}

}  // namespace vigil::daemon
