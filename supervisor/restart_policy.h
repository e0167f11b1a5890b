#pragma once
// What happens after a service's process exits: pure decisions, no timers.
#include "config/manifest.h"

namespace stackvisor::supervisor {

enum class ExitVerdict {
  kCompleted,  // a one-shot that succeeded: satisfies service_completed_successfully
  kRestart,    // schedule a restart after Backoff
  kGaveUp,     // on-failure:N exhausted
  kFailed,     // restart "no" and the exit was a failure
};

/// IsOneShot: a service meant to run to completion. Exiting 0 with restart "no" (or
/// on-failure) completes it, unless it has a readiness check: a service that must become ready
/// is long-running, so any exit of it is a failure whatever the code.
bool IsOneShot(const config::Service& service);

/// Decide what an exit means. `restarts` counts restarts already done in this run of `up`.
ExitVerdict DecideExit(const config::Service& service, bool success, int restarts);

/// Delay before restart number `consecutive` (0-based): initial x factor^consecutive, capped.
config::Duration BackoffDelay(const config::Backoff& backoff, int consecutive);

}  // namespace stackvisor::supervisor
