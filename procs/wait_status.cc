#include "procs/wait_status.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

namespace stackvisor::procs {

bool WaitStatus::exited() const { return WIFEXITED(raw_); }
int WaitStatus::exit_code() const { return WEXITSTATUS(raw_); }
bool WaitStatus::signaled() const { return WIFSIGNALED(raw_); }
int WaitStatus::signal() const { return WTERMSIG(raw_); }

int WaitStatus::ShellCode() const {
  if (exited()) return exit_code();
  if (signaled()) return 128 + signal();
  return 1;
}

std::string WaitStatus::Describe() const {
  if (exited()) return "exited with code " + std::to_string(exit_code());
  if (signaled()) {
    std::string text = "killed by " + SignalName(signal());
    if (WCOREDUMP(raw_)) text += " (core dumped)";
    return text;
  }
  return "changed state (raw status " + std::to_string(raw_) + ")";
}

std::string SignalName(int signum) {
  // sigabbrev_np (glibc 2.32+) gives "TERM" without allocating.
  const char* abbrev = sigabbrev_np(signum);
  if (abbrev == nullptr) return "signal " + std::to_string(signum);
  return std::string("SIG") + abbrev;
}

}  // namespace stackvisor::procs
