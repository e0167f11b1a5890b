#include "supervisor/restart_policy.h"

#include <algorithm>

namespace stackvisor::supervisor {

using config::RestartMode;

bool IsOneShot(const config::Service& service) {
  bool may_complete = service.restart.mode == RestartMode::kNo ||
                      service.restart.mode == RestartMode::kOnFailure;
  return may_complete && service.healthcheck.kind == config::ProbeKind::kNone;
}

ExitVerdict DecideExit(const config::Service& service, bool success, int restarts) {
  bool completed = success && IsOneShot(service);
  switch (service.restart.mode) {
    case RestartMode::kNo:
      return completed ? ExitVerdict::kCompleted : ExitVerdict::kFailed;
    case RestartMode::kOnFailure:
      if (completed) return ExitVerdict::kCompleted;
      if (service.restart.max_retries > 0 && restarts >= service.restart.max_retries)
        return ExitVerdict::kGaveUp;
      return ExitVerdict::kRestart;
    case RestartMode::kAlways:
    case RestartMode::kUnlessStopped:
      return ExitVerdict::kRestart;
  }
  return ExitVerdict::kFailed;
}

config::Duration BackoffDelay(const config::Backoff& backoff, int consecutive) {
  // Multiplied step by step rather than with std::pow, which is the only reason the binary
  // would need libm; the loop stops at the cap and after 64 steps.
  const double cap = static_cast<double>(backoff.max.count());
  double ms = static_cast<double>(backoff.initial.count());
  for (int i = 0; i < std::min(consecutive, 64) && ms < cap; ++i) ms *= backoff.factor;
  return config::Duration(static_cast<int64_t>(std::min(ms, cap)));
}

}  // namespace stackvisor::supervisor
