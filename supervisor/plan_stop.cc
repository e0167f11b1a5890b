// Plan: stopping, readiness and completion bookkeeping.
#include "procs/wait_status.h"
#include "supervisor/plan.h"

namespace stackvisor::supervisor {

void Plan::BeginStop(const std::string& reason, int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  if (!exit_code_fixed_) exit_code_ = exit_code;
  LogGlobal("stopping (" + reason + ")");
  AdvanceStop();
}

bool Plan::Terminal(size_t index) const {
  const State& s = states_[index];
  if (s.alive) return false;
  return s.phase == Phase::kCompleted || s.phase == Phase::kFailed || s.phase == Phase::kStopped;
}

void Plan::StopOne(size_t index) {
  State& s = states_[index];
  const config::Service& svc = manifest_.services[index];
  if (s.phase == Phase::kStopping) return;
  if (s.alive) {
    s.phase = Phase::kStopping;
    Log(index, "stopping (" + procs::SignalName(svc.stop_signal) + ")");
    Emit(Action::Signal(index, svc.stop_signal));
    Emit(Action::StartTimer(index, TimerKind::kKill, svc.stop_grace_period));
    return;
  }
  if (s.phase == Phase::kBackoff) {
    Emit(Action::CancelTimer(index, TimerKind::kRestart));
    s.phase = Phase::kStopped;
    Log(index, "stopped (was waiting to restart)");
  } else if (s.phase == Phase::kWaiting || s.phase == Phase::kStarting) {
    s.phase = Phase::kStopped;  // never started (or a spawn still to come): nothing to stop
  }
}

bool Plan::HasLiveDependent(size_t index) const {
  // Transitive: web -> migrate (completed) -> db still keeps db up while web runs.
  for (size_t d : dependents_[index])
    if (!Terminal(d) || HasLiveDependent(d)) return true;
  return false;
}

void Plan::AdvanceStop() {
  // Reverse dependency order: a service stops only once everything depending on it is down.
  bool progressed = true;
  while (progressed) {
    progressed = false;
    for (size_t k = states_.size(); k-- > 0;) {
      State& s = states_[k];
      if (Terminal(k) || s.phase == Phase::kStopping) continue;
      if (HasLiveDependent(k)) continue;
      Phase before = s.phase;
      StopOne(k);
      if (s.phase != before) progressed = true;
    }
  }
  CheckFinished();
}

void Plan::CheckAllReady() {
  if (all_ready_sent_ || stopping_) return;
  for (const State& s : states_) {
    bool ready = (s.alive && s.phase == Phase::kRunning) || s.phase == Phase::kCompleted;
    if (!ready) return;
  }
  all_ready_sent_ = true;
  LogGlobal("all services ready");
  Emit(Action::AllReady());
}

void Plan::CheckFinished() {
  if (finished_) return;
  for (size_t i = 0; i < states_.size(); ++i)
    if (!Terminal(i)) return;
  finished_ = true;
  if (!stopping_) {
    exit_code_ = 0;
    for (const State& s : states_)
      if (s.phase == Phase::kFailed) exit_code_ = 1;
    LogGlobal(exit_code_ == 0 ? "every service completed" : "every service has exited");
  }
  Emit(Action::Exit(exit_code_));
}

}  // namespace stackvisor::supervisor
