#pragma once
#include <string>

namespace stackvisor::procs {

/// WaitStatus decodes a raw waitpid status. Boost.Process's exit_code() cannot tell `exit 15`
/// from death by SIGTERM, so this is the only place statuses are interpreted.
class WaitStatus {
 public:
  WaitStatus() = default;
  explicit WaitStatus(int raw) : raw_(raw) {}

  bool exited() const;
  int exit_code() const;   // valid when exited()
  bool signaled() const;
  int signal() const;      // valid when signaled()
  bool success() const { return exited() && exit_code() == 0; }
  /// Shell convention: the exit code, or 128+N for death by signal N.
  int ShellCode() const;
  /// "exited with code 1" / "killed by SIGKILL".
  std::string Describe() const;
  int raw() const { return raw_; }

 private:
  int raw_ = 0;
};

/// SignalName gives "SIGTERM" for 15, or "signal 99" for unknown numbers.
std::string SignalName(int signum);

}  // namespace stackvisor::procs
