#include "supervisor/plan.h"

#include <csignal>

#include "procs/wait_status.h"
#include "supervisor/restart_policy.h"

namespace stackvisor::supervisor {

namespace {
std::string FormatDuration(config::Duration d) {
  auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}
}  // namespace

Plan::Plan(const config::Manifest& manifest, PlanOptions options)
    : Plan(Definitions(manifest), options) {}

std::vector<const config::Service*> Plan::Definitions(const config::Manifest& manifest) {
  std::vector<const config::Service*> defs;
  defs.reserve(manifest.services.size());
  for (const auto& svc : manifest.services) defs.push_back(&svc);
  return defs;
}

Plan::Plan(std::vector<const config::Service*> definitions, PlanOptions options)
    : defs_(std::move(definitions)), options_(options) {
  size_t n = defs_.size();
  states_.resize(n);
  dependencies_.resize(n);
  dependents_.resize(n);
  ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) ids_.emplace(defs_[i]->name, i);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& dep : defs_[i]->depends_on) {
      auto found = ids_.find(dep.service);
      if (found == ids_.end()) continue;  // not selected for this run
      size_t j = found->second;
      dependents_[j].push_back(DependentEdge{i, dependencies_[i].size()});
      dependencies_[i].push_back(Edge{j, &dep});
    }
  }
  for (size_t i = 0; i < n; ++i) {
    states_[i].unsettled = dependencies_[i].size();
    states_[i].blockers = dependents_[i].size();
  }
}

std::optional<size_t> Plan::Find(std::string_view name) const {
  auto found = ids_.find(std::string(name));
  if (found == ids_.end() || states_[found->second].removed) return std::nullopt;
  return found->second;
}

void Plan::Log(size_t index, const std::string& text) {
  Emit(Action::Log(index, Def(index).name + ": " + text));
}

void Plan::LogGlobal(const std::string& text) {
  Emit(Action::Log(0, text));
}

std::vector<Action> Plan::Take() {
  CheckAllReady();
  CheckFinished();
  return std::exchange(out_, {});
}

std::vector<Action> Plan::Start(base::TimePoint now) {
  now_ = now;
  for (size_t i = 0; i < states_.size() && !stopping_; ++i) {
    TryStart(i);  // no dependencies
    for (size_t k = 0; k < dependencies_[i].size(); ++k) {
      if (states_[i].phase != Phase::kWaiting || stopping_) break;
      if (!dependencies_[i][k].settled) SettleEdge(i, k);
    }
  }
  return Take();
}

std::vector<Action> Plan::OnSpawned(size_t index, pid_t pid, base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  s.alive = true;
  s.spawn_pending = false;
  s.ever_started = true;
  if (Def(index).post_start.empty()) s.post_start_done = true;
  s.ran = true;
  s.healthy_this_run = false;
  s.started_at = now;
  s.pid = pid;
  s.kill_requested = false;  // meant for the process before this one
  bool has_check = Def(index).healthcheck.kind != config::ProbeKind::kNone;
  s.health = has_check ? Health::kStarting : Health::kNone;
  s.phase = has_check ? Phase::kStarting : Phase::kRunning;
  Log(index, "started (pid " + std::to_string(pid) + ")");
  // A restart raced with a stop: the stack's, a requested one no dependent holds up any more,
  // or (detached) the failure of a required dependency.
  if (stopping_ || s.fail_on_exit || (s.stop_marked && s.stop_waits == 0)) StopOne(index);
  Changed(index);
  return Take();
}

std::vector<Action> Plan::OnPostStartDone(size_t index, base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  if (!s.alive || s.post_start_done) return Take();
  s.post_start_done = true;
  Changed(index);  // its dependents' conditions may hold now
  return Take();
}

std::vector<Action> Plan::OnSpawnFailed(size_t index, const std::string& error,
                                        base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  s.spawn_pending = false;
  s.last_exit_code = 127;
  s.last_exit = error;
  s.last_exit_at = now;
  Log(index, error);
  if (s.stop_marked || s.fail_on_exit) {
    s.phase = s.fail_on_exit ? Phase::kFailed : Phase::kStopped;
    Changed(index);
    return Take();
  }
  AfterExit(index, false, 127, now);
  return Take();
}

std::vector<Action> Plan::OnHealthy(size_t index, base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  if (!s.healthy_this_run) {
    s.healthy_at = now;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.started_at).count();
    Log(index, "healthy after " + std::to_string(ms) + " ms");
  } else {
    Log(index, "healthy again");  // recovered from unhealthy without a restart
  }
  s.ever_healthy = true;
  s.healthy_this_run = true;
  s.health = Health::kHealthy;
  s.phase = Phase::kRunning;
  Changed(index);
  RestartWaitingDependents(index);
  return Take();
}

// A dependent waiting out its restart delay exited while this service was not healthy: with a
// plain depends_on (service_started) that is the usual "connection refused" of an app started
// next to a database still initialising, and the rest of the delay would only wait for what
// just happened. It starts again now; its backoff keeps counting, so a dependent that fails
// for its own reasons still slows down (and the cut happens only on this service's own
// transitions, which its own backoff paces).
void Plan::RestartWaitingDependents(size_t index) {
  if (stopping_) return;
  for (const DependentEdge& d : dependents_[index]) {
    State& s = states_[d.service];
    if (s.phase != Phase::kBackoff || s.removed) continue;
    Emit(Action::CancelTimer(d.service, TimerKind::kRestart));
    Log(d.service, "restarting now: " + Def(index).name + " is healthy");
    s.phase = Phase::kStarting;
    s.spawn_pending = true;
    Emit(Action::Spawn(d.service));
    Changed(d.service);
  }
}

// A dependent that fails while a dependency of its own is still initialising most likely failed
// for want of it ("connection refused" from an app next to a database running initdb). If that
// dependency has turned healthy since the attempt began and none is still starting, the attempt
// never had its chance and runs again at once (AfterExit). If one is still starting when the
// backoff ends, another attempt would fail the same way and take CPU from the initialisation:
// the restart is held, re-checked every backoff delay (OnTimer), and released at once when it
// turns healthy (RestartWaitingDependents). Re-checking rather than waiting for an event keeps a
// hold from outliving a dependency that is removed or stops being checked.
std::optional<size_t> Plan::HealthySince(size_t index, base::TimePoint since) const {
  for (const Edge& edge : dependencies_[index]) {
    const State& d = states_[edge.service];
    if (d.alive && d.health == Health::kHealthy && d.healthy_this_run && d.healthy_at >= since)
      return edge.service;
  }
  return std::nullopt;
}

std::optional<size_t> Plan::StillStarting(size_t index) const {
  for (const Edge& edge : dependencies_[index]) {
    const State& d = states_[edge.service];
    // An optional dependency is one the dependent runs without: it never holds it.
    if (edge.dep->required && d.alive && d.health == Health::kStarting && !d.removed)
      return edge.service;
  }
  return std::nullopt;
}

std::vector<Action> Plan::OnUnhealthy(size_t index, const std::string& detail,
                                      base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  Log(index, "unhealthy: " + detail);
  s.health = Health::kUnhealthy;
  Emit(Action::Changed(index));
  if (Def(index).restart.mode != config::RestartMode::kNo && !stopping_) {
    s.restart_on_exit = true;
    StopOne(index);
  }
  return Take();
}

std::vector<Action> Plan::OnNeverHealthy(size_t index, const std::string& detail,
                                         base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  if (!s.alive || s.phase == Phase::kStopping) return Take();
  s.never_healthy = true;
  s.health = Health::kUnhealthy;
  s.failure = "never became healthy: " + detail;
  Log(index, "failed: " + s.failure);
  StopOne(index);  // its waiting dependents see never_healthy at once
  return Take();
}

std::vector<Action> Plan::OnExited(size_t index, bool success, int code, const std::string& what,
                                   base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  s.alive = false;
  s.pid = -1;
  s.last_exit_code = code;
  s.last_exit = what;
  s.last_exit_at = now;
  Emit(Action::CancelTimer(index, TimerKind::kKill));
  if (s.phase == Phase::kStopping && s.start_after_stop && !s.fail_on_exit && !stopping_ &&
      !force_killed_) {
    Log(index, "stopped (" + what + ")");
    if (s.reactivate_after_stop) {
      // Redefined by a reload: its new dependencies may not be ready yet.
      s.reactivate_after_stop = false;
      s.start_after_stop = false;
      ++command_;
      ActivateDependencies(index);
      Reactivate(index);
      return Take();
    }
    Respawn(index);  // a restart: no restart policy applies to the exit it asked for
    return Take();
  }
  // Stopped on request, even if it exited before its turn came: no restart policy applies.
  bool requested = (s.stop_marked || s.kill_requested) && !stopping_;
  if ((s.phase == Phase::kStopping && (stopping_ || force_killed_)) || requested) {
    if (s.kill_requested && !stopping_) s.stopped_by_request = true;
    s.phase = Phase::kStopped;
    Log(index, "stopped (" + what + ")");
    Changed(index);
    return Take();
  }
  if (s.fail_on_exit) {
    s.phase = Phase::kFailed;
    Log(index, "stopped (" + what + ")");
    Changed(index);
    return Take();
  }
  Log(index, what);
  AfterExit(index, success, code, now);
  return Take();
}

void Plan::AfterExit(size_t index, bool success, int code, base::TimePoint now) {
  State& s = states_[index];
  const config::Service& svc = Def(index);
  if (stopping_) {
    s.phase = Phase::kStopped;
    Changed(index);
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
    // Stop first: the abort decides the exit code, not the failure its dependents would see.
    BeginStop(svc.name + " exited", success ? 0 : 1);
    Changed(index);
    return;
  } else {
    // Killed for being unhealthy is a failure like a non-zero exit, whatever the code the
    // stop signal led to: it counts against on-failure:N and gets the backoff.
    ExitVerdict verdict = DecideExit(svc, success && !s.restart_on_exit, s.restarts);
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
        const std::string count = " (restart " + std::to_string(s.restarts) + ")";
        std::optional<size_t> ready;
        if (!StillStarting(index)) ready = HealthySince(index, s.started_at);
        if (ready) {
          s.phase = Phase::kStarting;
          s.spawn_pending = true;
          Log(index, "restarting now: " + Def(*ready).name + " became healthy after it started" +
                         count);
          Emit(Action::Spawn(index));
        } else {
          s.phase = Phase::kBackoff;  // the one way into a backoff: where a hold starts afresh
          s.held = false;
          s.restart_delay = delay;
          Log(index, "restarting in " + std::to_string(delay.count()) + " ms" + count);
          Emit(Action::StartTimer(index, TimerKind::kRestart, delay));
        }
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
  Changed(index);
}

std::vector<Action> Plan::OnTimer(size_t index, TimerKind timer, base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  if (timer == TimerKind::kRestart) {
    if (s.phase != Phase::kBackoff || stopping_) return Take();
    if (auto starting = StillStarting(index)) {
      if (!s.held) Log(index, "restart waits for " + Def(*starting).name + " to become healthy");
      s.held = true;
      // A zero backoff must not turn the hold into a busy loop.
      const config::Duration kMinRecheck{100};
      Emit(Action::StartTimer(index, TimerKind::kRestart, std::max(s.restart_delay, kMinRecheck)));
      return Take();
    }
    s.phase = Phase::kStarting;
    s.spawn_pending = true;
    Emit(Action::Spawn(index));
    Changed(index);
    return Take();
  }
  if (!s.alive) return Take();
  if (s.armed_grace) {
    Log(index, "killed with SIGKILL after the requested timeout " + FormatDuration(*s.armed_grace));
  } else {
    Log(index, "killed with SIGKILL after stop_grace_period " +
                   FormatDuration(Def(index).stop_grace_period));
  }
  Emit(Action::Signal(index, SIGKILL));
  return Take();
}

std::vector<Action> Plan::OnStopRequested(const std::string& reason, base::TimePoint now,
                                          std::optional<config::Duration> grace) {
  now_ = now;
  if (grace) stack_grace_ = grace;
  BeginStop(reason, 0);
  return Take();
}

std::vector<Action> Plan::OnForceKill(base::TimePoint now) {
  now_ = now;
  force_killed_ = true;
  if (!stopping_) BeginStop("forced", 0);
  LogGlobal("killing every service now");
  for (size_t i = 0; i < states_.size(); ++i) {
    if (!states_[i].alive) continue;
    states_[i].phase = Phase::kStopping;
    Emit(Action::Signal(i, SIGKILL));
    Changed(i);
  }
  return Take();
}

}  // namespace stackvisor::supervisor
