#pragma once
// Compose's lifecycle hooks (post_start, pre_stop) as processes of the service.
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/timer.h"
#include "config/manifest.h"
#include "logmux/mux.h"
#include "procs/reaper.h"
#include "procs/spawn_spec.h"
#include "procs/wait_status.h"

namespace stackvisor::supervisor {

/// HookRunner runs one list of a service's hooks, one after the other, each in its own process
/// group with its output in the service's log (stdout and stderr both), and calls `done` once:
/// with "" when every hook exited 0, else with what failed ("post_start hook 'cmd' exited with
/// code 1"); the hooks after a failed one do not run. When a hook's main process exits, what
/// is left of its group is SIGKILLed, as a service's is. Cancel() or destruction SIGKILLs a
/// running hook and no callback fires after; the reaper still reaps it (as an orphan). Owned
/// by its Service; loop thread only; not copyable or movable.
class HookRunner {
 public:
  using SpecFor = std::function<procs::SpawnSpec(const config::Hook&)>;
  using Done = std::function<void(const std::string& failure)>;

  HookRunner(uv_loop_t* loop, procs::Reaper& reaper, logmux::Mux& mux, int log_source);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  /// Starts `hooks` (named `kind` in messages); a list already running is cancelled first.
  void Run(std::string kind, std::vector<config::Hook> hooks, SpecFor spec_for, Done done);
  void Cancel();
  bool running() const { return done_ != nullptr; }

 private:
  struct Process;

  void Next();
  void OnExit(procs::WaitStatus status);
  void MaybeFinished();
  void OnSettled();
  void Finish(const std::string& failure);

  uv_loop_t* loop_;
  procs::Reaper& reaper_;
  logmux::Mux& mux_;
  int log_source_;
  std::string kind_;
  std::vector<config::Hook> hooks_;
  size_t next_ = 0;
  SpecFor spec_for_;
  Done done_;
  std::unique_ptr<Process> current_;
  std::string failure_;  // of the current hook, reported once its pipes are drained
  base::Timer settle_;   // moves on to the next hook outside the pipe callbacks
};

}  // namespace stackvisor::supervisor
