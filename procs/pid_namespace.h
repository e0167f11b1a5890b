#pragma once
#include <csignal>
#include <string>

namespace stackvisor::procs {

/// Where a call to EnterPidNamespace left the calling program.
struct PidNamespaceOutcome {
  enum class Where {
    kNotEntered,  // no namespace (why says why); carry on as before, nothing was changed
    kInner,       // we are PID 1 of a new PID namespace: run the stack here
    kOuterDone,   // we were the outer relay and the inner has ended: exit with exit_code
  };
  Where where = Where::kNotEntered;
  int exit_code = 0;  // kOuterDone: the inner's exit code, 128+N if it was killed by signal N
  std::string why;    // kNotEntered: the step that failed ("clone(...): Operation not permitted")
  bool user_namespace = false;  // kInner: a user namespace was needed (not root)
};

/// EnterPidNamespace runs the rest of the program as PID 1 of a new PID (and mount) namespace,
/// inside a new user namespace that maps our uid and gid to themselves when we are not root.
/// When the PID 1 dies, the kernel kills every process of the namespace: whatever a service
/// started, setsid()ed, double-forked or env -i'd cannot outlive the stack. The caller stays
/// as a minimal relay (kOuterDone once the inner ended): it waits for the inner, and forwards
/// the signals of `relayed` that someone sent it (si_code SI_USER/SI_QUEUE) — never terminal-
/// generated ones, which reach the inner directly through the foreground process group (a
/// forwarded second SIGINT would mean "kill everything now"). If the outer is SIGKILLed, the
/// inner dies by PR_SET_PDEATHSIG, and the namespace with it.
/// Call it single-threaded, with `relayed` blocked; stdin/out/err are shared, not relayed.
/// Any failing step leaves the caller as it was (kNotEntered, why names the step).
PidNamespaceOutcome EnterPidNamespace(const sigset_t& relayed);

}  // namespace stackvisor::procs
