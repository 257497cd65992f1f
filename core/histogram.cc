#include "core/histogram.h"

#include <algorithm>
#include <chrono>

namespace vigil::core {

void Histogram::observe(Duration d) {
  const double seconds = std::chrono::duration<double>(d).count();
  // The first bound not below the value: Prometheus buckets are "less than or equal".
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  ++counts_[static_cast<std::size_t>(it - kBounds.begin())];
  ++count_;
  sum_ += seconds;
}

}  // namespace vigil::core
