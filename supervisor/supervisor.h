#pragma once
#include <uv.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/signal_watcher.h"
#include "base/timer.h"
#include "config/manifest.h"
#include "logmux/mux.h"
#include "logmux/output.h"
#include "procs/containment.h"
#include "procs/guardian.h"
#include "procs/reaper.h"
#include "supervisor/plan.h"
#include "supervisor/service.h"

namespace spdlog {
class logger;
}

namespace stackvisor::supervisor {

struct SupervisorOptions {
  logmux::FormatOptions format;
  PlanOptions plan;
  int output_fd = 1;
  std::string run_marker;  // "KEY=VALUE" added to every service's environment (procs::Guardian)
  procs::Guardian* guardian = nullptr;  // released and reaped at the end of a clean stop
  procs::Containment* containment = nullptr;  // null: process groups only
};

/// Supervisor wires the modules together on one libuv loop and executes the Plan: it owns the
/// reaper, the output and mux, the notify socket, the signal watchers and one Service per
/// service. Run() returns once every service is down, every orphan is reaped and every pipe is
/// drained. Construct, Run once, destroy, then run the loop to let closed handles go.
class Supervisor {
 public:
  Supervisor(uv_loop_t* loop, const config::Manifest& manifest, SupervisorOptions options);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  int Run();

 private:
  void Execute(std::vector<Action> actions);
  void Event(const std::string& text);
  void OnSignal(int signum);
  void OnPressure(bool congested);
  void BeginFinish(int exit_code);
  void CheckFinished();
  void OnDrainDeadline();
  void Sweep();
  std::vector<pid_t> Orphans() const;
  /// Orphans and everything left in the service cgroups, once each.
  std::vector<pid_t> Leftovers() const;
  void KillLeftovers();

  uv_loop_t* loop_;
  const config::Manifest& manifest_;
  SupervisorOptions options_;
  logmux::Output output_;
  logmux::Mux mux_;
  std::shared_ptr<spdlog::logger> logger_;
  procs::Reaper reaper_;
  std::unique_ptr<healthcheck::NotifyListener> notify_;
  Plan plan_;
  ServiceContext context_;
  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::unique_ptr<base::SignalWatcher>> signals_;
  base::Timer sweep_timer_;
  std::unordered_set<Service*> to_sweep_;  // services that asked for a sweep since the last one
  base::Timer finish_timer_;
  base::Timer straggler_timer_;  // after the KILL round: kills late orphans the moment they appear
  base::Timer pause_timer_;  // pauses readers after the current I/O pass (fairness)
  size_t resume_from_ = 0;   // rotates which service's pipes are resumed first
  bool finishing_ = false;
  bool orphans_killed_ = false;
  bool all_contained_ = false;        // every service got its cgroup
  bool processes_abandoned_ = false;  // the finish deadline passed: stop waiting for processes
  bool done_ = false;
  bool guardian_exited_ = false;
  int exit_code_ = 0;
};

}  // namespace stackvisor::supervisor
