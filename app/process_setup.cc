#include "app/process_setup.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <initializer_list>

#include "procs/file_limit.h"

// Set by cmake/startup_text.ld around the start-up code; absent (null) without it.
extern "C" {
extern const char __stackvisor_startup_text_start[] __attribute__((weak));
extern const char __stackvisor_startup_text_end[] __attribute__((weak));
}

namespace stackvisor::app {
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
  return set;
}

void EnsureStandardFds() {
  for (int fd = 0; fd <= STDERR_FILENO; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // open() returns the lowest free fd, which is this one since the lower ones are open.
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0 && null_fd != fd) {
      dup2(null_fd, fd);
      close(null_fd);
    }
  }
}

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void UnblockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void PrepareProcess() {
  std::signal(SIGPIPE, SIG_IGN);
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  procs::RaiseFileLimit();
}

void DropStartupText() {
  const char* start = __stackvisor_startup_text_start;
  const char* end = __stackvisor_startup_text_end;
  if (start == nullptr || end <= start) return;
  // The script page-aligns both ends. The pages are clean file pages: dropping them loses
  // nothing, and a later jump into them faults them back in from the binary.
  madvise(const_cast<char*>(start), static_cast<size_t>(end - start), MADV_DONTNEED);
}

}  // namespace stackvisor::app
