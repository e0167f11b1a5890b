#pragma once
#include <csignal>

namespace stackvisor::app {

/// EnsureStandardFds opens /dev/null on any of fds 0-2 that is closed (`stackvisor up <&-`), as
/// tini and s6 do, so that no pipe or socket created later lands on 0-2, where a dup2 in the
/// guardian or a child, or libuv's "fd > 2" assertion, would break it. A closed stdout thus
/// means log lines go to /dev/null. Call it first thing in main, before anything opens a file.
void EnsureStandardFds();

/// BlockStopSignals blocks TERM, INT, HUP, QUIT, USR1 and USR2 (never CHLD, which libuv needs)
/// so that a stop request sent in the first milliseconds waits, pending, for the supervisor's
/// handlers instead of killing us by its default action. Call it first thing in main: threads
/// created afterwards inherit the mask, so the signal can only reach the main thread.
void BlockStopSignals();
/// The set BlockStopSignals blocks.
sigset_t StopSignals();

/// UnblockStopSignals undoes BlockStopSignals on the calling thread: once the supervisor's
/// handlers are installed (a pending signal is then delivered to them), or on a path that has
/// no handlers and where a signal's default action (ending the process) is what the user wants.
void UnblockStopSignals();

/// PrepareProcess sets up what a supervisor needs before any child exists: SIGPIPE ignored
/// (a closed stdout must not kill us and orphan the stack), and, unless we are PID 1 (where the
/// kernel re-parents every orphan to us anyway), child-subreaper status so orphans of
/// double-forking services come back to us to be reaped and stopped; and the soft limit on open
/// files raised to the hard one (two pipes per service), children getting the original back.
void PrepareProcess();

/// DropStartupText gives back the memory of the code only start-up runs (CLI parsing, manifest
/// loading, yaml-cpp, export), which cmake/startup_text.ld gathers into one range of the binary:
/// an idle supervisor then keeps only its loop's code resident (issue 11: idle RSS). A page
/// of it that runs again later (shutdown, a reload) is read back in by the kernel as usual.
/// A no-op in a binary linked without that script. Call it once start-up is over.
void DropStartupText();

}  // namespace stackvisor::app
