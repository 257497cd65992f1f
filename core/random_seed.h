#pragma once

// A seed for the non-cryptographic generators (probe jitter, ICMP and DNS ids) that never
// blocks. std::random_device reads getentropy(), which waits until the kernel's random pool is
// initialised: early at boot, or in a VM without an entropy source, that took seconds (in the
// qemu guest 4.5 s of a start-up, spent busy in the kernel's try_to_generate_entropy). keepalived
// seeds random() from the time; vigil takes getrandom(GRND_NONBLOCK) when the pool is ready and
// mixes the clock, the pid and an address otherwise.

#include <cstdint>

namespace vigil::core {

std::uint32_t random_seed();

}  // namespace vigil::core
