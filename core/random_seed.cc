#include "core/random_seed.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

namespace vigil::core {

namespace {

// splitmix64's finaliser: every input bit affects every output bit.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint32_t random_seed() {
  std::uint32_t seed = 0;
  if (::getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == static_cast<ssize_t>(sizeof(seed))) {
    return seed;
  }
  // The pool is not ready (EAGAIN) or getrandom is missing: good enough for jitter and ids.
  timespec mono{}, real{};
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  ::clock_gettime(CLOCK_REALTIME, &real);
  static int here = 0;
  std::uint64_t z = mix(static_cast<std::uint64_t>(real.tv_sec) * 1000000007ULL +
                        static_cast<std::uint64_t>(real.tv_nsec));
  z = mix(z ^ static_cast<std::uint64_t>(mono.tv_nsec) ^
          (static_cast<std::uint64_t>(::getpid()) << 32));
  z = mix(z ^ reinterpret_cast<std::uintptr_t>(&here) ^ reinterpret_cast<std::uintptr_t>(&z));
  return static_cast<std::uint32_t>(z ^ (z >> 32));
}

}  // namespace vigil::core
