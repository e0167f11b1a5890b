#include "healthcheck/health_tracker.h"

#include <algorithm>

namespace stackvisor::healthcheck {

const char* HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kStarting: return "starting";
    case HealthState::kHealthy: return "healthy";
    case HealthState::kUnhealthy: return "unhealthy";
    case HealthState::kNeverHealthy: return "never healthy";
  }
  return "?";
}

HealthTracker::HealthTracker(const config::Healthcheck& check)
    : interval_(std::max(check.interval, base::Duration(1))),
      start_period_(std::max(check.start_period, base::Duration(0))),
      start_interval_(std::max(check.start_interval, base::Duration(1))),
      // retries 0 would declare failure before any counted attempt; one failure is the least.
      retries_(std::max(check.retries, 1)) {}

void HealthTracker::Start(base::TimePoint now) {
  state_ = HealthState::kStarting;
  failures_ = 0;
  started_at_ = now;
}

std::optional<Transition> HealthTracker::OnResult(bool ok, base::TimePoint now) {
  switch (state_) {
    case HealthState::kNeverHealthy:
      return std::nullopt;
    case HealthState::kStarting:
      if (ok) return MoveTo(HealthState::kHealthy);
      if (now - started_at_ < start_period_) return std::nullopt;  // grace: does not count
      if (++failures_ >= retries_) return MoveTo(HealthState::kNeverHealthy);
      return std::nullopt;
    case HealthState::kHealthy:
      if (ok) {
        failures_ = 0;
        return std::nullopt;
      }
      if (++failures_ >= retries_) return MoveTo(HealthState::kUnhealthy);
      return std::nullopt;
    case HealthState::kUnhealthy:
      if (ok) return MoveTo(HealthState::kHealthy);
      ++failures_;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Transition> HealthTracker::Expire() {
  if (state_ != HealthState::kStarting) return std::nullopt;
  return MoveTo(HealthState::kNeverHealthy);
}

std::optional<base::Duration> HealthTracker::NextDelay() const {
  switch (state_) {
    case HealthState::kStarting: return start_interval_;
    case HealthState::kHealthy:
    case HealthState::kUnhealthy: return interval_;
    case HealthState::kNeverHealthy: return std::nullopt;
  }
  return std::nullopt;
}

base::Duration HealthTracker::ReadyDeadline() const {
  return start_period_ + start_interval_ * retries_;
}

std::optional<Transition> HealthTracker::MoveTo(HealthState to) {
  Transition t{state_, to};
  state_ = to;
  if (to == HealthState::kHealthy) failures_ = 0;
  return t;
}

}  // namespace stackvisor::healthcheck
