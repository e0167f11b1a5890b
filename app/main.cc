#include "app/cli.h"
#include "app/process_setup.h"

int main(int argc, char** argv) {
  // Before anything opens a file or can be stopped: a SIGTERM now waits for the supervisor's
  // handler (RunUp unblocks once it is installed), and fds 0-2 are never free for a pipe.
  stackvisor::app::BlockStopSignals();
  stackvisor::app::EnsureStandardFds();
  return stackvisor::app::Main(argc, argv);
}
