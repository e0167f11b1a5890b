// Plan: stopping, readiness and completion bookkeeping.
#include "procs/wait_status.h"
#include "supervisor/plan.h"

namespace stackvisor::supervisor {

void Plan::BeginStop(const std::string& reason, int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  if (!exit_code_fixed_) exit_code_ = exit_code;
  LogGlobal("stopping (" + reason + ")");
  // Reverse dependency order: what nothing live depends on stops now; each service that goes
  // down releases its dependencies (MarkDown), so the rest follows without another scan.
  for (size_t k = states_.size(); k-- > 0;) {
    const State& s = states_[k];
    if (Terminal(k) || s.phase == Phase::kStopping || s.blockers > 0) continue;
    StopOne(k);
  }
}

void Plan::StopOne(size_t index) {
  State& s = states_[index];
  const config::Service& svc = Def(index);
  if (s.phase == Phase::kStopping) return;
  // Stopped because a required dependency failed (detached): it ends failed, not stopped.
  Phase down = s.fail_on_exit ? Phase::kFailed : Phase::kStopped;
  if (s.alive) {
    s.phase = Phase::kStopping;
    Log(index, "stopping (" + procs::SignalName(svc.stop_signal) + ")");
    Emit(Action::StopSignal(index, svc.stop_signal));
    Emit(Action::StartTimer(index, TimerKind::kKill, GraceFor(index)));
  } else if (s.phase == Phase::kBackoff) {
    Emit(Action::CancelTimer(index, TimerKind::kRestart));
    s.phase = down;
    Log(index, "stopped (was waiting to restart)");
  } else if (s.phase == Phase::kWaiting || (s.phase == Phase::kStarting && !s.spawn_pending)) {
    s.phase = down;  // never started: nothing to stop
  } else {
    return;  // a spawn is on its way: OnSpawned stops it
  }
  Changed(index);
}

void Plan::CheckAllReady() {
  if (all_ready_sent_ || stopping_ || Live() == 0 || ready_count_ < Live()) return;
  all_ready_sent_ = true;
  LogGlobal("all services ready");
  Emit(Action::AllReady());
}

config::Duration Plan::GraceFor(size_t index) {
  // The stack stop's timeout wins over a service's own stop command: `down -t 1` is the last
  // word. The kill log names which one armed the timer.
  State& s = states_[index];
  std::optional<config::Duration> grace = stopping_ && stack_grace_ ? stack_grace_ : s.grace;
  s.armed_grace = grace;
  return grace ? *grace : Def(index).stop_grace_period;
}

void Plan::CheckFinished() {
  if (finished_ || terminal_count_ < Live()) return;
  // A service stopped on request can be started again, and a detached stack waits for `down`:
  // only a stack stop ends the run then.
  if (!stopping_ && (options_.stay_up || requested_stopped_ > 0)) return;
  finished_ = true;
  if (!stopping_) {
    exit_code_ = 0;
    for (const State& s : states_)
      if (s.phase == Phase::kFailed && !s.removed) exit_code_ = 1;
    LogGlobal(exit_code_ == 0 ? "every service completed" : "every service has exited");
  }
  Emit(Action::Exit(exit_code_));
}

}  // namespace stackvisor::supervisor
