#include "app/cli.h"
#include "app/process_setup.h"

namespace {

// The earliest code a program can run: .preinit_array runs after the dynamic loader, before
// any constructor (spdlog's, iostream's, Boost's), so a stop signal sent the moment `exec`
// returned is blocked rather than fatal. Only a parent that blocks it across exec does better.
// Closed standard fds are filled here too, before a constructor could open a file on one.
void BlockStopSignalsBeforeConstructors(int, char**, char**) {
  stackvisor::app::BlockStopSignals();
  stackvisor::app::EnsureStandardFds();
}
__attribute__((section(".preinit_array"), used)) void (*const kBlockEarly)(int, char**, char**) =
    &BlockStopSignalsBeforeConstructors;

}  // namespace

int main(int argc, char** argv) {
  // fds 0-2 are valid and the stop signals blocked (above); RunUp unblocks them once the
  // supervisor's handlers are installed.
  return stackvisor::app::Main(argc, argv);
}
