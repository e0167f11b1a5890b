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

[[noreturn]] void GuardianMain(int read_fd, const std::string& marker, const std::string& stack) {
  // Terminal signals must not reach us; stackvisor's death is signalled by the pipe alone.
  setsid();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE})
    std::signal(sig, SIG_IGN);
  int null_fd = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) dup2(null_fd, fd);
  prctl(PR_SET_NAME, "stackvisor-guard");
  char byte;
  ssize_t n;
  while ((n = read(read_fd, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n == 1) _exit(0);  // released: stackvisor stopped everything itself
  // Processes die and others get re-parented while we kill: scan until two rounds find none.
  int quiet_rounds = 0;
  for (int round = 0; round < 200 && quiet_rounds < 2; ++round) {
    int killed = stack.empty() ? 0 : KillServiceCgroups(stack);
    killed += KillMarked(marker, getpid());
    quiet_rounds = killed == 0 ? quiet_rounds + 1 : 0;
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  if (!stack.empty()) RemoveStackCgroup(stack, 1000);
  _exit(0);
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
  base::UniqueFd read_end(fds[0]), write_end(fds[1]);
  pid_t pid = fork();
  if (pid < 0) return base::Error{base::ErrnoMessage("guardian: fork", errno)};
  if (pid == 0) {
    write_end.Reset();
    GuardianMain(read_end.get(), marker, stack_cgroup);
  }
  return Guardian(pid, std::move(write_end), std::move(marker));
}

}  // namespace stackvisor::procs
