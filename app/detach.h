#pragma once
// `up -d`: stackvisor becomes a daemon, and the command the user ran waits for the stack.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::app {

/// The log file a detached stack writes its output to (the lines `up` would print).
std::filesystem::path DaemonLogPath(const std::filesystem::path& runtime_dir);
/// Where the foreground writes the daemon's pid once it has started: in a PID namespace the
/// lock file holds the inner stackvisor's pid (1), which means nothing outside it.
std::filesystem::path DaemonPidPath(const std::filesystem::path& runtime_dir);

/// StartupReporter is the daemon's end of the pipe to the foreground: it says, exactly once,
/// whether the stack got its runtime directory and API ("started") or why not, so a second
/// `up -d` of a running project is refused with that reason instead of a timeout. The fd is
/// close-on-exec (no service holds it); forks made before the report (the guardian, the PID
/// namespace relay) keep a copy, which is why the foreground never waits for EOF but watches
/// the daemon's pid instead. Copies the fork made of it are harmless: only the first report
/// of the process that serves the API is read.
class StartupReporter {
 public:
  StartupReporter() = default;
  explicit StartupReporter(base::UniqueFd fd) : fd_(std::move(fd)) {}
  StartupReporter(const StartupReporter&) = delete;
  StartupReporter& operator=(const StartupReporter&) = delete;
  StartupReporter(StartupReporter&&) = default;
  StartupReporter& operator=(StartupReporter&&) = default;

  bool active() const { return fd_.valid(); }
  void Started() { Send("started\n"); }
  void Failed(const std::string& why) { Send("error " + why + "\n"); }

 private:
  void Send(const std::string& message);
  base::UniqueFd fd_;
};

/// What Daemonise leaves in each process.
struct Daemonised {
  pid_t pid = 0;             // in the foreground: the daemon; in the daemon: 0
  base::UniqueFd status;     // foreground: the read end of the startup pipe
  StartupReporter reporter;  // daemon: the write end
};

/// Daemonise forks. The child calls setsid (no terminal, no process group of the shell), gets
/// /dev/null on stdin and the log file (created 0600, appended to) on stdout and stderr, and
/// keeps the working directory and umask. Call it before any thread, loop or other child
/// exists: the daemon must be the whole stack, guardian and PID-namespace relay included.
/// Errors (opening the log, pipe, fork) are returned in the caller, nothing forked.
base::Result<Daemonised> Daemonise(const std::filesystem::path& log_path);

/// What ReadStartupReport gives for a pipe that ended without a report (every holder died).
inline constexpr char kNoReport[] = "the daemon ended without a report";

/// Reads the daemon's report: nullopt while nothing has arrived; "" for started; else the
/// error text (or kNoReport).
std::optional<std::string> ReadStartupReport(int fd, int wait_ms);

/// The last `lines` lines of a file (fewer if it is shorter); "" when it cannot be read.
std::string TailOfFile(const std::filesystem::path& path, size_t lines);

}  // namespace stackvisor::app
