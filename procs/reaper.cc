#include "procs/reaper.h"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace stackvisor::procs {

Reaper::Reaper(uv_loop_t* loop) : sigchld_(loop, SIGCHLD, [this](int) { ReapAll(); }) {}

void Reaper::Watch(pid_t pid, ExitCallback on_exit) { watched_[pid] = std::move(on_exit); }

void Reaper::Forget(pid_t pid) { watched_.erase(pid); }

void Reaper::ReapAll() {
  // SIGCHLDs coalesce: one signal may stand for many exits, so loop until none is left.
  for (;;) {
    int raw = 0;
    pid_t pid = ::waitpid(-1, &raw, WNOHANG);
    if (pid == 0) return;
    if (pid < 0) {
      if (errno == EINTR) continue;
      return;  // ECHILD: no children at all
    }
    WaitStatus status(raw);
    auto it = watched_.find(pid);
    if (it == watched_.end()) {
      ++orphans_reaped_;
      if (on_orphan_) on_orphan_(pid, status);
      continue;
    }
    // The callback may watch new pids (a restart), so take it out of the map first.
    ExitCallback callback = std::move(it->second);
    watched_.erase(it);
    if (callback) callback(status);
  }
}

}  // namespace stackvisor::procs
