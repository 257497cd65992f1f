// vigil-genhash: keepalived's genhash (see checkers/genhash.h).

#include <iostream>

#include "checkers/genhash.h"

int main(int argc, char** argv) {
  using namespace vigil::checkers;
  std::string error;
  auto options = parse_genhash_options(argc, argv, &error);
  if (!options) {
    std::cerr << "vigil-genhash: " << error << "\n" << genhash_usage(argv[0]);
    return 1;
  }
  if (options->help) {
    std::cout << genhash_usage(argv[0]);
    return 0;
  }
  return run_genhash(*options, std::cout, std::cerr);
}
