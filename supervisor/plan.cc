#include "supervisor/plan.h"

#include <csignal>

#include "procs/wait_status.h"
#include "supervisor/restart_policy.h"

namespace stackvisor::supervisor {

using config::DependCondition;

namespace {
std::string FormatDuration(config::Duration d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}
}  // namespace

Plan::Plan(const config::Manifest& manifest, PlanOptions options)
    : manifest_(manifest), options_(options) {
  size_t n = manifest.services.size();
  states_.resize(n);
  dependencies_.resize(n);
  dependents_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& dep : manifest.services[i].depends_on) {
      for (size_t j = 0; j < n; ++j) {
        if (manifest.services[j].name != dep.service) continue;
        dependencies_[i].push_back(Edge{j, &dep});
        dependents_[j].push_back(i);
      }
    }
  }
}

void Plan::Log(size_t index, const std::string& text) {
  Emit(Action::Log(index, manifest_.services[index].name + ": " + text));
}

void Plan::LogGlobal(const std::string& text) {
  Emit(Action::Log(0, text));
}

std::vector<Action> Plan::Start(base::TimePoint now) {
  Advance(now);
  CheckFinished();
  return Take();
}

std::optional<bool> Plan::Condition(const Edge& edge, std::string* why) const {
  const State& dep = states_[edge.service];
  const std::string& name = manifest_.services[edge.service].name;
  bool terminal = dep.phase == Phase::kFailed || dep.phase == Phase::kCompleted ||
                  dep.phase == Phase::kStopped;
  switch (edge.dep->condition) {
    case DependCondition::kStarted:
      if (dep.ever_started) return true;
      break;
    case DependCondition::kHealthy:
      if (dep.ever_healthy) return true;
      if (dep.never_healthy) {
        *why = "dependency " + name + " never became healthy";
        return false;
      }
      if (terminal) {
        *why = "dependency " + name + " exited before it became healthy";
        return false;
      }
      return std::nullopt;
    case DependCondition::kCompletedSuccessfully:
      if (dep.phase == Phase::kCompleted) return true;
      if (terminal) {
        *why = "dependency " + name + " did not complete successfully";
        return false;
      }
      return std::nullopt;
  }
  if (dep.phase == Phase::kFailed) {
    *why = "dependency " + name + " failed" + (dep.failure.empty() ? "" : ": " + dep.failure);
    return false;
  }
  return std::nullopt;
}

void Plan::Advance(base::TimePoint now) {
  if (stopping_) {
    AdvanceStop();
    return;
  }
  // Starting one service can satisfy another's condition at once (service_started), so loop.
  bool progressed = true;
  while (progressed && !stopping_) {
    progressed = false;
    for (size_t i = 0; i < states_.size() && !stopping_; ++i) {
      if (states_[i].phase != Phase::kWaiting) continue;
      TryStart(i, now);
      if (states_[i].phase != Phase::kWaiting) progressed = true;
    }
  }
  if (stopping_) AdvanceStop();
}

void Plan::TryStart(size_t index, base::TimePoint now) {
  (void)now;
  for (const Edge& edge : dependencies_[index]) {
    std::string why;
    auto ok = Condition(edge, &why);
    if (!ok) return;  // still waiting
    if (*ok) continue;
    if (!edge.dep->required) {
      Log(index, "optional " + why + "; starting anyway");
      continue;
    }
    states_[index].phase = Phase::kFailed;
    states_[index].failure = why;
    Log(index, "not started: " + why);
    BeginStop(manifest_.services[index].name + " cannot start", 1);
    return;
  }
  states_[index].phase = Phase::kStarting;
  Emit(Action::Spawn(index));
}

std::vector<Action> Plan::OnSpawned(size_t index, pid_t pid, base::TimePoint now) {
  State& s = states_[index];
  s.alive = true;
  s.ever_started = true;
  s.healthy_this_run = false;
  s.started_at = now;
  bool has_check = manifest_.services[index].healthcheck.kind != config::ProbeKind::kNone;
  s.phase = has_check ? Phase::kStarting : Phase::kRunning;
  Log(index, "started (pid " + std::to_string(pid) + ")");
  if (stopping_) {
    StopOne(index);  // a restart raced with a stop request
  } else {
    Advance(now);
    CheckAllReady();
  }
  return Take();
}

std::vector<Action> Plan::OnSpawnFailed(size_t index, const std::string& error,
                                        base::TimePoint now) {
  Log(index, error);
  AfterExit(index, false, 127, now);
  return Take();
}

std::vector<Action> Plan::OnHealthy(size_t index, base::TimePoint now) {
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  if (!s.healthy_this_run) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.started_at).count();
    Log(index, "healthy after " + std::to_string(ms) + " ms");
  } else {
    Log(index, "healthy again");  // recovered from unhealthy without a restart
  }
  s.ever_healthy = true;
  s.healthy_this_run = true;
  s.phase = Phase::kRunning;
  Advance(now);
  CheckAllReady();
  return Take();
}

std::vector<Action> Plan::OnUnhealthy(size_t index, const std::string& detail,
                                      base::TimePoint now) {
  (void)now;
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  Log(index, "unhealthy: " + detail);
  if (manifest_.services[index].restart.mode != config::RestartMode::kNo && !stopping_) {
    s.restart_on_exit = true;
    StopOne(index);
  }
  return Take();
}

std::vector<Action> Plan::OnNeverHealthy(size_t index, const std::string& detail,
                                         base::TimePoint now) {
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  s.never_healthy = true;
  s.failure = "never became healthy: " + detail;
  Log(index, "failed: " + s.failure);
  StopOne(index);
  Advance(now);
  return Take();
}

std::vector<Action> Plan::OnExited(size_t index, bool success, int code, const std::string& what,
                                   base::TimePoint now) {
  State& s = states_[index];
  s.alive = false;
  Emit(Action::CancelTimer(index, TimerKind::kKill));
  if (s.phase == Phase::kStopping && (stopping_ || force_killed_)) {
    s.phase = Phase::kStopped;
    Log(index, "stopped (" + what + ")");
    AdvanceStop();
    return Take();
  }
  Log(index, what);
  AfterExit(index, success, code, now);
  return Take();
}

void Plan::AfterExit(size_t index, bool success, int code, base::TimePoint now) {
  State& s = states_[index];
  const config::Service& svc = manifest_.services[index];
  if (stopping_) {
    s.phase = Phase::kStopped;
    AdvanceStop();
    return;
  }
  bool abort = options_.abort_on_exit ||
               (options_.exit_code_from && *options_.exit_code_from == index);
  if (s.never_healthy) {
    s.phase = Phase::kFailed;
  } else if (abort) {
    s.phase = success && IsOneShot(svc) ? Phase::kCompleted : Phase::kFailed;
    bool from = options_.exit_code_from && *options_.exit_code_from == index;
    if (from) {
      exit_code_ = code;
      exit_code_fixed_ = true;
    }
    BeginStop(svc.name + " exited", success ? 0 : 1);
    return;
  } else {
    ExitVerdict verdict = s.restart_on_exit ? ExitVerdict::kRestart
                                            : DecideExit(svc, success, s.restarts);
    s.restart_on_exit = false;
    switch (verdict) {
      case ExitVerdict::kCompleted:
        s.phase = Phase::kCompleted;
        Log(index, "completed successfully");
        break;
      case ExitVerdict::kRestart: {
        if (s.ever_started && now - s.started_at >= svc.backoff.reset_after) s.consecutive = 0;
        config::Duration delay = BackoffDelay(svc.backoff, s.consecutive);
        ++s.consecutive;
        ++s.restarts;
        s.phase = Phase::kBackoff;
        Log(index, "restarting in " + std::to_string(delay.count()) + " ms (restart " +
                       std::to_string(s.restarts) + ")");
        Emit(Action::StartTimer(index, TimerKind::kRestart, delay));
        break;
      }
      case ExitVerdict::kGaveUp:
        s.phase = Phase::kFailed;
        s.failure = "gave up after " + std::to_string(s.restarts) +
                    (s.restarts == 1 ? " restart" : " restarts");
        Log(index, s.failure);
        break;
      case ExitVerdict::kFailed:
        s.phase = Phase::kFailed;
        s.failure = "exited with code " + std::to_string(code);
        break;
    }
  }
  Advance(now);
  CheckAllReady();
  CheckFinished();
}

std::vector<Action> Plan::OnTimer(size_t index, TimerKind timer, base::TimePoint now) {
  State& s = states_[index];
  if (timer == TimerKind::kRestart) {
    if (s.phase != Phase::kBackoff || stopping_) return Take();
    s.phase = Phase::kStarting;
    Emit(Action::Spawn(index));
    return Take();
  }
  (void)now;
  if (!s.alive) return Take();
  Log(index, "killed with SIGKILL after stop_grace_period " +
                 FormatDuration(manifest_.services[index].stop_grace_period));
  Emit(Action::Signal(index, SIGKILL));
  return Take();
}

std::vector<Action> Plan::OnStopRequested(const std::string& reason, base::TimePoint now) {
  (void)now;
  BeginStop(reason, 0);
  return Take();
}

std::vector<Action> Plan::OnForceKill(base::TimePoint now) {
  (void)now;
  force_killed_ = true;
  if (!stopping_) BeginStop("forced", 0);
  LogGlobal("killing every service now");
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i].alive) continue;
    states_[i].phase = Phase::kStopping;
    Emit(Action::Signal(i, SIGKILL));
  }
  AdvanceStop();
  return Take();
}

}  // namespace stackvisor::supervisor
