#pragma once
// Time for everything that waits: backoffs, grace periods, probe periods. Always monotonic, so a
// wall-clock jump changes none of them.
#include <chrono>

namespace stackvisor::base {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

inline TimePoint Now() { return Clock::now(); }

inline Duration Since(TimePoint start, TimePoint now) {
  return std::chrono::duration_cast<Duration>(now - start);
}

}  // namespace stackvisor::base
