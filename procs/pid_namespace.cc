#include "procs/pid_namespace.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::procs {
namespace {

bool WriteFile(const std::string& path, const std::string& text, std::string* why) {
  base::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.valid() && write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()))
    return true;
  *why = base::ErrnoMessage("write " + path, errno);
  return false;
}

// The inner's set-up, before it runs the stack. On failure it reports the step to the outer
// (which falls back) through `report` and exits.
void SetUpInner(int go, int report) {
  char byte = 0;
  ssize_t n;
  do n = read(go, &byte, 1); while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1);  // the outer gave up (it says why)
  std::string failed;
  // Private, so that our /proc is not propagated to the host's mount namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    failed = base::ErrnoMessage("mount --make-rprivate /", errno);
  // A /proc of this namespace: services and stackvisor's own /proc scans see its pids.
  else if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    failed = base::ErrnoMessage("mount proc on /proc", errno);
  else if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    failed = base::ErrnoMessage("prctl PR_SET_PDEATHSIG", errno);
  if (!failed.empty()) {
    (void)!write(report, failed.data(), failed.size());
    _exit(1);
  }
  // The outer lives in another PID namespace, so getppid() says 0 either way: the lifeline
  // pipe's hang-up tells whether it died before PDEATHSIG was armed.
  pollfd lifeline{go, POLLIN, 0};
  if (poll(&lifeline, 1, 0) == 1 && (lifeline.revents & (POLLHUP | POLLERR)) != 0) _exit(1);
  close(go);
  close(report);
}

// The outer, once the inner runs: waits for it, forwarding stop signals sent to us.
int Relay(pid_t inner, const sigset_t& waited) {
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t r = waitpid(inner, &status, WNOHANG);
      if (r == inner && WIFEXITED(status)) return WEXITSTATUS(status);
      if (r == inner && WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      if (r < 0 && errno == ECHILD) return 1;  // cannot happen: nobody else reaps it
      continue;
    }
    if (info.si_code == SI_USER || info.si_code == SI_QUEUE) kill(inner, sig);
  }
}

PidNamespaceOutcome NotEntered(std::string why) {
  PidNamespaceOutcome outcome;
  outcome.why = std::move(why);
  return outcome;
}

}  // namespace

PidNamespaceOutcome EnterPidNamespace(const sigset_t& relayed) {
  if (getpid() == 1) return NotEntered("already PID 1 of a PID namespace");
  uid_t uid = getuid();
  gid_t gid = getgid();
  // Root may create a PID namespace without a user namespace; in one it would lose its
  // capabilities on the host (binding port 80, for instance).
  bool user_ns = uid != 0;
  int go[2];
  int report[2];
  if (pipe2(go, O_CLOEXEC) != 0) return NotEntered(base::ErrnoMessage("pipe2", errno));
  base::UniqueFd go_read(go[0]), go_write(go[1]);
  if (pipe2(report, O_CLOEXEC) != 0) return NotEntered(base::ErrnoMessage("pipe2", errno));
  base::UniqueFd report_read(report[0]), report_write(report[1]);

  // SIGCHLD is waited for with sigwaitinfo, so it is blocked before the inner can exit.
  sigset_t waited = relayed;
  sigaddset(&waited, SIGCHLD);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &waited, &old);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  int flags = CLONE_NEWPID | CLONE_NEWNS | (user_ns ? CLONE_NEWUSER : 0);
  // clone(2) as fork(): the child continues on a copy of our stack, as PID 1 of the namespace.
  long pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) {
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return NotEntered(base::ErrnoMessage(
        std::string("clone(CLONE_NEWPID|CLONE_NEWNS") + (user_ns ? "|CLONE_NEWUSER)" : ")"), err));
  }
  if (pid == 0) {
    go_write.Reset();
    report_read.Reset();
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_UNBLOCK, &chld, nullptr);  // libuv's child watcher needs it
    SetUpInner(go_read.Release(), report_write.Release());
    PidNamespaceOutcome outcome;
    outcome.where = PidNamespaceOutcome::Where::kInner;
    outcome.user_namespace = user_ns;
    return outcome;
  }
  go_read.Reset();
  report_write.Reset();
  std::string why;
  std::string proc = "/proc/" + std::to_string(pid);
  // Ourselves, not root: postgres refuses to run as uid 0, even in a namespace.
  bool mapped = !user_ns || (WriteFile(proc + "/setgroups", "deny", &why) &&
                             WriteFile(proc + "/uid_map", std::to_string(uid) + " " +
                                                              std::to_string(uid) + " 1", &why) &&
                             WriteFile(proc + "/gid_map", std::to_string(gid) + " " +
                                                              std::to_string(gid) + " 1", &why));
  char byte = 1;
  if (mapped && write(go_write.get(), &byte, 1) == 1) {
    char text[512];
    ssize_t n;
    do n = read(report_read.get(), text, sizeof(text)); while (n < 0 && errno == EINTR);
    if (n > 0) why.assign(text, static_cast<size_t>(n));
    if (n == 0) {
      PidNamespaceOutcome outcome;
      outcome.where = PidNamespaceOutcome::Where::kOuterDone;
      outcome.exit_code = Relay(static_cast<pid_t>(pid), waited);
      return outcome;  // go_write closes only now: the inner's lifeline
    }
    if (n < 0) why = base::ErrnoMessage("read the PID namespace's set-up report", errno);
  } else if (mapped) {
    why = base::ErrnoMessage("start the PID namespace", errno);
  }
  kill(static_cast<pid_t>(pid), SIGKILL);
  int status;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return NotEntered(why);
}

}  // namespace stackvisor::procs
