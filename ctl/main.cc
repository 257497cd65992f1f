// vigilctl: ask the running vigild what it is doing, and tell it to reload.
//
// Exit codes: 0 done; 1 the daemon refused (a reload with errors) or answered with an error;
// 2 bad command line; 3 vigild could not be reached (not running, not root, timeout).
// `config-test` exits as `vigild -t` does for the file (0, 5 or 6).

#include <chrono>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ctl/client.h"
#include "ctl/status_text.h"

namespace {

using vigil::ctl::Reply;

constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

int unreachable(const Reply& r) {
  std::cerr << "vigilctl: " << r.error << '\n';
  return kUnreachable;
}

// A reload or config-test answer: the diagnostics as `vigild -t` prints them, then the verdict.
int report_check(const Reply& r, bool reload) {
  try {
    const nlohmann::json j = nlohmann::json::parse(r.body);
    for (const auto& line : j.at("diagnostics")) std::cerr << line.get<std::string>() << '\n';
    if (!reload) return j.at("exit_code").get<int>();
    if (j.at("result") == "applied") {
      std::cout << "reloaded" << (j.value("warnings", 0) != 0 ? " (with warnings)" : "") << '\n';
      return 0;
    }
    std::cerr << "vigilctl: reload refused: the running configuration is unchanged\n";
    return kRefused;
  } catch (const nlohmann::json::exception&) {
    std::cerr << "vigilctl: vigild answered " << r.status << ": " << r.body;
    return kRefused;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ask the running vigild for its status and metrics, or tell it to reload."};
  app.require_subcommand(1);
  std::string socket = vigil::ctl::kDefaultSocket;
  double timeout = 10;
  app.add_option("-s,--socket", socket, "vigild's control socket")->capture_default_str();
  app.add_option("-t,--timeout", timeout, "Seconds to wait for the answer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bool json = false;
  auto* status = app.add_subcommand("status", "VRRP instances, real servers and the IPVS table");
  status->add_flag("--json", json, "The status document as JSON");
  auto* metrics = app.add_subcommand("metrics", "Prometheus metrics (text exposition format)");
  auto* reload = app.add_subcommand(
      "reload", "Validate the configuration file and reload it if it has no errors");
  auto* config_test = app.add_subcommand(
      "config-test", "Validate the configuration file as the daemon would load it; change nothing");
  auto* dump = app.add_subcommand("dump", "The running configuration as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }

  const auto limit = std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
  auto ask = [&](const char* method, const char* path) {
    return vigil::ctl::request(socket, method, path, limit);
  };

  if (*status || *metrics || *dump) {
    const Reply r = *metrics ? ask("GET", "/metrics")
                    : *dump  ? ask("GET", "/dump")
                             : ask("GET", "/status.json");
    if (r.status == 0) return unreachable(r);
    if (r.status != 200) {
      std::cerr << "vigilctl: vigild answered " << r.status << ": " << r.body;
      return r.status == 403 ? kUnreachable : kRefused;
    }
    if (!*status || json) {
      std::cout << r.body;
      return 0;
    }
    try {
      std::cout << vigil::ctl::render_status(nlohmann::json::parse(r.body));
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "vigilctl: unexpected status document: " << e.what() << '\n';
      return kRefused;
    }
    return 0;
  }
  const bool is_reload = reload->parsed();
  (void)config_test;
  const Reply r = ask("POST", is_reload ? "/reload" : "/config-test");
  if (r.status == 0) return unreachable(r);
  if (r.status == 403) {
    std::cerr << "vigilctl: vigild answered 403: " << r.body;
    return kUnreachable;
  }
  return report_check(r, is_reload);
}
