#pragma once
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <unordered_map>

#include "base/signal_watcher.h"
#include "procs/wait_status.h"

namespace stackvisor::procs {

/// Reaper is the one and only caller of waitpid in the process. On every SIGCHLD it loops
/// waitpid(-1, WNOHANG) until nothing is left (SIGCHLDs coalesce) and routes each status to the
/// callback watching that pid; statuses of pids nobody watches (orphans re-parented to us as
/// PID 1 or subreaper) go to the orphan callback. Lives as long as the loop's children.
class Reaper {
 public:
  using ExitCallback = std::function<void(WaitStatus)>;
  using OrphanCallback = std::function<void(pid_t, WaitStatus)>;

  explicit Reaper(uv_loop_t* loop);
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  /// Watch must be called right after spawning, before the loop runs again.
  void Watch(pid_t pid, ExitCallback on_exit);
  void Forget(pid_t pid);
  void SetOrphanCallback(OrphanCallback on_orphan) { on_orphan_ = std::move(on_orphan); }
  /// Reaps whatever has exited now; also called by the SIGCHLD watcher.
  void ReapAll();
  size_t watching() const { return watched_.size(); }
  uint64_t orphans_reaped() const { return orphans_reaped_; }

 private:
  base::SignalWatcher sigchld_;
  std::unordered_map<pid_t, ExitCallback> watched_;
  OrphanCallback on_orphan_;
  uint64_t orphans_reaped_ = 0;
};

}  // namespace stackvisor::procs
