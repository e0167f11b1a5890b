#pragma once
#include <sys/types.h>

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::procs {

/// Guardian is a small forked process that outlives stackvisor by a moment. PDEATHSIG reaches
/// only a service's main process; when stackvisor is SIGKILLed, a service's own children and
/// anything that called setsid() to escape its group would survive. Every service carries a
/// marker in its environment (inherited by all its descendants), and when the guardian sees
/// stackvisor gone (its pipe reaches EOF and it has been re-parented: nothing else counts as a
/// death) it SIGKILLs every process carrying the marker, until none is left. With cgroup
/// containment (`stack_cgroup` given, the guardian itself adopted into it) it first kills every
/// service cgroup (cgroup.kill reaches what reset its environment or double-forked), then removes
/// the service cgroups and the stack cgroup. After a clean stop Release() tells it so and it
/// exits without scanning. Its pipe is kept above fds 0-2, and it ignores the stop signals.
/// Start it before any thread exists (it forks the whole process).
class Guardian {
 public:
  static base::Result<Guardian> Start(const std::string& stack_cgroup = {});

  pid_t pid() const { return pid_; }
  /// After a clean stop: tells the guardian there is nothing to clean up, so it exits at once.
  void Release();
  /// "STACKVISOR_RUN=<id>": add to every service's environment.
  const std::string& marker() const { return marker_; }

 private:
  Guardian(pid_t pid, base::UniqueFd pipe, std::string marker)
      : pid_(pid), pipe_(std::move(pipe)), marker_(std::move(marker)) {}
  pid_t pid_;
  base::UniqueFd pipe_;  // write end: closed only when stackvisor's process ends
  std::string marker_;
};

/// KillMarked SIGKILLs every process (except `self`) whose environment contains `marker`;
/// returns how many it signalled.
int KillMarked(const std::string& marker, pid_t self);

}  // namespace stackvisor::procs
