// Latency summaries for the load driver (load_driver.cpp): percentiles of the recorded
// samples, and the same percentiles corrected for coordinated omission.
//
// The driver is closed-loop: a client sends its next request only when the previous one
// has been answered, so while the server stalls, the requests a steady sender would have
// sent are never sent and never timed, and plain percentiles understate the tail. The
// correction is HdrHistogram's recordValueWithExpectedInterval: with the expected interval
// between a client's requests taken as the mean latency, a sample L > interval also stands
// for the requests that would have been sent during it, waiting L - interval,
// L - 2·interval, … (the closed-loop driver does not pace itself, so this is an estimate).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace bench {

// The p-th percentile (0..100) by rank, of `v` (reordered); 0 when empty.
inline double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// `samples` plus, for each sample above `interval`, the waits of the requests it held up.
inline std::vector<double> corrected_for_coordinated_omission(const std::vector<double>& samples, double interval) {
  std::vector<double> out = samples;
  if (interval <= 0) return out;
  for (double l : samples) {
    for (double missed = l - interval; missed >= interval; missed -= interval) out.push_back(missed);
  }
  return out;
}

}  // namespace bench
