#pragma once
// The readiness counting (start_period grace, start_interval, interval, retries) as pure logic.
#include <optional>

#include "base/clock.h"
#include "config/manifest.h"

namespace stackvisor::healthcheck {

enum class HealthState {
  kStarting,      // no success yet since Start
  kHealthy,
  kUnhealthy,     // was healthy, then `retries` consecutive failures; a success recovers it
  kNeverHealthy,  // final: `retries` counted failures before any success
};

const char* HealthStateName(HealthState state);

/// A change of state, reported once when it happens.
struct Transition {
  HealthState from;
  HealthState to;
};

/// HealthTracker counts one service's probe results, driven with explicit time points (tests
/// use a fake clock); no I/O. Until the first success the service is kStarting and attempts come
/// every start_interval; failures count only once start_period has passed since Start, and
/// `retries` counted consecutive failures then make it kNeverHealthy (final). Once healthy,
/// attempts come every interval; `retries` consecutive failures make it kUnhealthy (reported
/// once), and a later success makes it kHealthy again (reported). Start() begins afresh (a
/// restarted child). Owned by a Prober.
class HealthTracker {
 public:
  explicit HealthTracker(const config::Healthcheck& check);

  void Start(base::TimePoint now);
  /// Counts one attempt's result; gives the transition it caused, if any.
  std::optional<Transition> OnResult(bool ok, base::TimePoint now);
  /// For passive readiness (log line, READY=1): the wait is over without a success; kStarting
  /// becomes kNeverHealthy.
  std::optional<Transition> Expire();

  /// How long to wait after an attempt (or after Start) before the next one; nullopt when no
  /// more attempts are due (kNeverHealthy).
  std::optional<base::Duration> NextDelay() const;
  /// For passive readiness: how long after Start a service may take to report ready. The same
  /// time an always-failing active probe gets: start_period, then `retries` start_intervals.
  base::Duration ReadyDeadline() const;

  HealthState state() const { return state_; }
  int consecutive_failures() const { return failures_; }
  base::TimePoint started_at() const { return started_at_; }

 private:
  std::optional<Transition> MoveTo(HealthState to);

  base::Duration interval_;
  base::Duration start_period_;
  base::Duration start_interval_;
  int retries_;
  HealthState state_ = HealthState::kStarting;
  int failures_ = 0;  // consecutive failures that counted
  base::TimePoint started_at_{};
};

}  // namespace stackvisor::healthcheck
