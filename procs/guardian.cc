#include "procs/guardian.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>

#include "procs/containment.h"

namespace stackvisor::procs {
namespace {

bool EnvironContains(long pid, const std::string& marker) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
  base::UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  std::string env;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n <= 0) break;
    env.append(buf, static_cast<size_t>(n));
  }
  // Entries are NUL-separated; match a whole entry.
  size_t at = 0;
  while (at < env.size()) {
    size_t end = env.find('\0', at);
    if (end == std::string::npos) end = env.size();
    if (env.compare(at, end - at, marker) == 0) return true;
    at = end + 1;
  }
  return false;
}

void Pause(long ms) {
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000 * 1000};
  nanosleep(&pause, nullptr);
}

// Kills the cgroups under the stack cgroup ("services", holding one per service), not the stack
// cgroup itself: we are in it. Returns how many were still populated.
int KillServiceCgroups(const std::string& stack) {
  int populated = 0;
  for (const auto& dir : ChildCgroups(stack)) {
    if (!CgroupPopulated(dir)) continue;
    ++populated;
    KillCgroup(dir);
  }
  return populated;
}

// Returns once stackvisor (`parent`) is dead, or exits if it released us. End of file on the
// pipe comes a moment before the kernel re-parents us (files are closed before the exit is
// announced), and anything else (a read error, the write end closed by mistake) must not pass
// for a death either: so a death is a changed parent, and the pipe only says when to look.
void AwaitStackvisorDeath(int read_fd, pid_t parent) {
  char byte;
  ssize_t n;
  while ((n = read(read_fd, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n == 1) _exit(0);  // released: stackvisor stopped everything itself
  for (long ms = 1; getppid() == parent; ms = ms < 100 ? ms * 2 : ms) Pause(ms);
}

[[noreturn]] void GuardianMain(int read_fd, pid_t parent, const std::string& marker,
                               const std::string& stack) {
  // Terminal signals must not reach us; stackvisor's death is signalled by the pipe alone.
  setsid();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE})
    std::signal(sig, SIG_IGN);
  // main() blocks the stop signals; ignored is enough here, and a blocked one would only pile up.
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  int null_fd = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd)
    if (fd != read_fd) dup2(null_fd, fd);
  prctl(PR_SET_NAME, "stackvisor-guard");
  AwaitStackvisorDeath(read_fd, parent);
  // Processes die and others get re-parented while we kill: scan until two rounds find none.
  int quiet_rounds = 0;
  for (int round = 0; round < 200 && quiet_rounds < 2; ++round) {
    int killed = stack.empty() ? 0 : KillServiceCgroups(stack);
    killed += KillMarked(marker, getpid());
    quiet_rounds = killed == 0 ? quiet_rounds + 1 : 0;
    Pause(10);
  }
  if (!stack.empty()) RemoveStackCgroup(stack, 1000);
  _exit(0);
}

// Moves fd above 0-2 (a closed standard fd at start would otherwise give us one of them, and
// the guardian's own dup2 of /dev/null onto 0-2 would replace its pipe).
base::UniqueFd AboveStdio(int fd) {
  base::UniqueFd owned(fd);
  if (fd > STDERR_FILENO) return owned;
  return base::UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
}

}  // namespace

int KillMarked(const std::string& marker, pid_t self) {
  int killed = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 1 || *end != '\0' || pid == self) continue;
    if (EnvironContains(pid, marker) && kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
  }
  closedir(proc);
  return killed;
}

void Guardian::Release() {
  if (!pipe_.valid()) return;
  char byte = 'x';
  (void)!write(pipe_.get(), &byte, 1);
  pipe_.Reset();
}

base::Result<Guardian> Guardian::Start(const std::string& stack_cgroup) {
  std::random_device random;
  std::string marker = "STACKVISOR_RUN=" + std::to_string(getpid()) + "." +
                       std::to_string(random()) + std::to_string(random());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return base::Error{base::ErrnoMessage("guardian: pipe2", errno)};
  base::UniqueFd read_end = AboveStdio(fds[0]), write_end = AboveStdio(fds[1]);
  if (!read_end.valid() || !write_end.valid())
    return base::Error{base::ErrnoMessage("guardian: fcntl F_DUPFD_CLOEXEC", errno)};
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return base::Error{base::ErrnoMessage("guardian: fork", errno)};
  if (pid == 0) {
    write_end.Reset();
    GuardianMain(read_end.get(), parent, marker, stack_cgroup);
  }
  return Guardian(pid, std::move(write_end), std::move(marker));
}

}  // namespace stackvisor::procs
