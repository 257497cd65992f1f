#pragma once

// A distribution of durations in fixed buckets, kept as plain counts so that a subsystem can
// record what it measures (a probe's latency) and the daemon can publish it (Prometheus
// histogram: cumulative bucket counts, sum and count). Recording is O(buckets) with no
// allocation; bounds are in seconds, ascending, the last bucket (+Inf) implied.

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"

namespace vigil::core {

class Histogram {
 public:
  // Prometheus' default buckets extended below a millisecond: a TCP connect on a LAN takes a
  // few hundred microseconds, a slow HTTP check several seconds.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void observe(Duration d);

  // Observations <= kBounds[i] (not cumulative); counts()[kBounds.size()] is the +Inf bucket.
  const std::array<std::uint64_t, kBounds.size() + 1>& counts() const { return counts_; }
  std::uint64_t count() const { return count_; }
  double sum_seconds() const { return sum_; }

 private:
  std::array<std::uint64_t, kBounds.size() + 1> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace vigil::core
