#include "healthcheck/probe.h"

namespace stackvisor::healthcheck {

std::string DescribeDuration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 != 0 || ms == 0) {
    if (ms < 1000) return std::to_string(ms) + "ms";
    std::string frac = std::to_string(ms % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    return std::to_string(ms / 1000) + "." + frac + "s";
  }
  return std::to_string(ms / 1000) + "s";
}

}  // namespace stackvisor::healthcheck
