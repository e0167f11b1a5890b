#pragma once

namespace stackvisor::app {

/// PrepareProcess sets up what a supervisor needs before any child exists: SIGPIPE ignored
/// (a closed stdout must not kill us and orphan the stack), and, unless we are PID 1 (where the
/// kernel re-parents every orphan to us anyway), child-subreaper status so orphans of
/// double-forking services come back to us to be reaped and stopped; and the soft limit on open
/// files raised to the hard one (two pipes per service), children getting the original back.
void PrepareProcess();

}  // namespace stackvisor::app
