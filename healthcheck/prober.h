#pragma once
// Drives one service's readiness on the loop: probe attempts on a timer, or a passive deadline.
#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "base/timer.h"
#include "config/manifest.h"
#include "healthcheck/health_tracker.h"
#include "healthcheck/probe.h"

namespace stackvisor::healthcheck {

/// Prober drives one service's readiness. With an ActiveProbe (exec, tcp, http) it runs one
/// attempt at a time on a timer, at the delays and with the counting of a HealthTracker; for
/// passive kinds (log, notify: active == nullptr) it arms a deadline (HealthTracker::
/// ReadyDeadline) and waits for ReportReady(). Transitions go to on_event: kHealthy (also after
/// a recovery), kUnhealthy, kNeverHealthy (final for this run; no more attempts).
/// Owned by the supervisor's Service. Start() when the service's child has started, Stop() when
/// it exited: that cancels the timer and the attempt in flight, and no event comes after Stop,
/// so a probe result counts only while the service's own child is alive. Start() again after a
/// restart. on_event may call Stop() or destroy the Prober. Loop thread only.
class Prober {
 public:
  enum class Event { kHealthy, kUnhealthy, kNeverHealthy };
  using EventCallback = std::function<void(Event, const std::string& detail)>;

  Prober(uv_loop_t* loop, const config::Healthcheck& check, std::unique_ptr<ActiveProbe> active,
         EventCallback on_event);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  void Start();
  void Stop();
  /// Passive kinds: the matching log line or READY=1 was seen. Ignored unless started and
  /// still starting.
  void ReportReady();

  bool healthy() const { return running_ && tracker_.state() == HealthState::kHealthy; }
  /// True while started and not yet healthy: when a log matcher needs to look at lines.
  bool awaiting_ready() const { return running_ && tracker_.state() == HealthState::kStarting; }
  bool running() const { return running_; }
  HealthState state() const { return tracker_.state(); }

 private:
  void Attempt();
  void OnResult(ProbeResult result);
  void OnDeadline();
  void Emit(Transition transition, const std::string& detail);

  config::Healthcheck check_;
  HealthTracker tracker_;
  std::unique_ptr<ActiveProbe> active_;
  EventCallback on_event_;
  base::Timer timer_;  // next attempt, or the passive deadline
  bool running_ = false;
};

const char* ProberEventName(Prober::Event event);

}  // namespace stackvisor::healthcheck
