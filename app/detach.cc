#include "app/detach.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <fstream>

namespace stackvisor::app {
namespace fs = std::filesystem;

fs::path DaemonLogPath(const fs::path& runtime_dir) { return runtime_dir / "stackvisor.log"; }
fs::path DaemonPidPath(const fs::path& runtime_dir) { return runtime_dir / "daemon.pid"; }

void StartupReporter::Send(const std::string& message) {
  if (!fd_.valid()) return;
  // One write below PIPE_BUF is atomic; a foreground already gone (EPIPE, SIGPIPE ignored)
  // changes nothing for the daemon.
  std::string text = message.substr(0, 4000);
  ssize_t n;
  do {
    n = ::write(fd_.get(), text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  fd_.Reset();
}

base::Result<Daemonised> Daemonise(const fs::path& log_path) {
  base::UniqueFd log(::open(log_path.c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!log.valid())
    return base::Error{base::ErrnoMessage("up -d: open " + log_path.string(), errno)};
  base::UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) return base::Error{base::ErrnoMessage("up -d: open /dev/null", errno)};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return base::Error{base::ErrnoMessage("up -d: pipe2", errno)};
  base::UniqueFd read_end(fds[0]);
  base::UniqueFd write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) return base::Error{base::ErrnoMessage("up -d: fork", errno)};
  Daemonised result;
  if (pid > 0) {
    result.pid = pid;
    result.status = std::move(read_end);
    return result;
  }
  // The daemon. dup2 clears close-on-exec on 0-2, so services inherit the log as stdout only
  // through their own pipes (the supervisor gives them those), never directly.
  ::setsid();
  ::dup2(null_fd.get(), STDIN_FILENO);
  ::dup2(log.get(), STDOUT_FILENO);
  ::dup2(log.get(), STDERR_FILENO);
  result.reporter = StartupReporter(std::move(write_end));
  return result;
}

std::optional<std::string> ReadStartupReport(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  int ready = ::poll(&p, 1, wait_ms);
  if (ready <= 0) return std::nullopt;
  char buffer[4096];
  ssize_t n;
  do {
    n = ::read(fd, buffer, sizeof buffer);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::string(kNoReport);
  std::string text(buffer, static_cast<size_t>(n));
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text == "started") return std::string();
  if (text.rfind("error ", 0) == 0) return text.substr(6);
  return "unexpected report from the daemon: " + text;
}

std::string TailOfFile(const fs::path& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& line : last) out += line + "\n";
  return out;
}

}  // namespace stackvisor::app
