#include <cstdio>
#include <iostream>

#include "daemon/config_check.h"
#include "daemon/daemon.h"
#include "daemon/options.h"

int main(int argc, char** argv) {
  using namespace vigil::daemon;
  ParsedOptions parsed = parse_options(argc, argv);
  if (!parsed.error.empty()) {
    std::cerr << "vigild: " << parsed.error << "\n" << usage_text(argv[0]);
    return 1;
  }
  const Options& o = parsed.options;
  if (o.help) {
    std::cout << usage_text(argv[0]);
    return 0;
  }
  if (o.version) {
    std::cout << version_text();
    return 0;
  }
  if (!o.signum.empty()) {
    auto n = signal_number(o.signum);
    if (!n) {
      std::cerr << "Unknown sigfunc " << o.signum << '\n';
      return 1;
    }
    std::cout << *n << '\n';
    return 0;
  }
  if (o.config_test || o.dump_conf) return run_config_test(o);
  return run_daemon(o);
}
