#include "app/process_setup.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include "procs/file_limit.h"

namespace stackvisor::app {

void PrepareProcess() {
  std::signal(SIGPIPE, SIG_IGN);
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  procs::RaiseFileLimit();
}

}  // namespace stackvisor::app
