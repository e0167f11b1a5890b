#include "app/process_setup.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

namespace stackvisor::app {

void PrepareProcess() {
  std::signal(SIGPIPE, SIG_IGN);
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
}

}  // namespace stackvisor::app
