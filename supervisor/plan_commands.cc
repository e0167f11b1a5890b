// Plan: per-service commands from the control API (start, stop, restart one service), and the
// Status() that ps and the API read. A command walks only the services it reaches, each at
// most once (State::visit), so it costs O(services + edges) at worst.
#include "supervisor/plan.h"

namespace stackvisor::supervisor {

namespace {

const char* ConditionWord(config::DependCondition condition) {
  switch (condition) {
    case config::DependCondition::kStarted: return "started";
    case config::DependCondition::kHealthy: return "healthy";
    case config::DependCondition::kCompletedSuccessfully: return "completed";
  }
  return "started";
}

}  // namespace

bool Plan::Refused(size_t index, const char* command) {
  if (!stopping_) return false;
  Log(index, std::string(command) + " refused: the stack is stopping");
  return true;
}

std::vector<Action> Plan::OnStartRequested(size_t index, base::TimePoint now) {
  now_ = now;
  if (Refused(index, "start")) return Take();
  ++command_;
  const State& s = states_[index];
  if (s.alive && !s.stop_marked) {
    Log(index, "start requested: already running");
  } else if (s.phase == Phase::kBackoff || s.spawn_pending) {
    Log(index, "start requested: already starting");
  } else {
    Log(index, "start requested");
  }
  Activate(index, true);
  return Take();
}

void Plan::ActivateDependencies(size_t index) {
  for (const Edge& edge : dependencies_[index])
    if (edge.dep->required) Activate(edge.service, false);
}

void Plan::Activate(size_t index, bool requested) {
  State& s = states_[index];
  if (s.visit == command_) return;
  s.visit = command_;
  // A completed one-shot satisfies its dependents; only a start of it by name runs it again.
  if (s.phase == Phase::kCompleted && !requested) return;
  ActivateDependencies(index);  // first, so they spawn before it and its conditions can hold
  if (Terminal(index)) {
    Reactivate(index);
    return;
  }
  if (!s.stop_marked) return;  // running, starting, waiting or restarting already
  // A stop on request is on its way: it is wanted again.
  s.stop_marked = false;
  s.stopped_by_request = false;
  s.grace.reset();
  if (s.phase == Phase::kStopping) {
    s.start_after_stop = true;
    Log(index, "starts again once stopped");
  } else {
    Log(index, "stop cancelled");
  }
  Changed(index);
}

void Plan::Reactivate(size_t index) {
  // Back to the state `up` began it in, as compose's `start` does: counters, failure and the
  // conditions it satisfied are of its last run; its dependencies' conditions are checked anew.
  State& s = states_[index];
  Undown(index);
  s.phase = Phase::kWaiting;
  s.ever_started = false;
  s.post_start_done = false;
  s.ever_healthy = false;
  s.healthy_this_run = false;
  s.never_healthy = false;
  s.restart_on_exit = false;
  s.restarts = 0;
  s.consecutive = 0;
  s.failure.clear();
  s.failure_spread = false;
  s.health = Health::kNone;
  s.stopped_by_request = false;
  s.stop_marked = false;
  s.start_after_stop = false;
  s.restart_dependents = false;
  s.fail_on_exit = false;
  s.grace.reset();
  s.unsettled = dependencies_[index].size();
  for (Edge& edge : dependencies_[index]) edge.settled = false;
  Changed(index);
  TryStart(index);  // no dependencies
  for (size_t k = 0; k < dependencies_[index].size(); ++k) {
    if (s.phase != Phase::kWaiting || stopping_) break;
    if (!dependencies_[index][k].settled) SettleEdge(index, k);
  }
}

std::vector<Action> Plan::OnStopServiceRequested(size_t index,
                                                 std::optional<config::Duration> grace,
                                                 base::TimePoint now) {
  now_ = now;
  if (Refused(index, "stop")) return Take();
  const State& s = states_[index];
  if (Terminal(index) || s.stop_marked) {
    Log(index, std::string("stop requested: ") +
                   (Terminal(index) ? "not running" : "already stopping"));
    return Take();
  }
  ++command_;
  Log(index, "stop requested");
  CollectStop(index, grace);
  return Take();
}

void Plan::CollectStop(size_t index, std::optional<config::Duration> grace) {
  // What requires it goes first, as in a stack stop: each dependent's exit releases it
  // (Release). Waiting dependents are stopped too: they would wait for it, or fail.
  State& s = states_[index];
  if (s.visit == command_ || s.stop_marked) return;
  s.visit = command_;
  s.stop_marked = true;
  s.stopped_by_request = true;
  s.start_after_stop = false;
  s.restart_dependents = false;
  s.grace = grace;
  for (const DependentEdge& de : dependents_[index]) {
    Edge& edge = dependencies_[de.service][de.edge];
    if (!edge.dep->required || Terminal(de.service)) continue;
    CollectStop(de.service, grace);
    if (Terminal(de.service) || edge.stop_wait) continue;
    edge.stop_wait = true;
    ++states_[de.service].stop_edges;
    ++s.stop_waits;
  }
  // Without a process there is nothing to order: it is stopped (or its spawn stopped) now.
  if (s.stop_waits == 0 || !s.alive) {
    StopOne(index);
  }
  Emit(Action::Changed(index));  // stopped_by_request, even while it waits for its dependents
}

std::vector<Action> Plan::OnRestartRequested(size_t index, std::optional<config::Duration> grace,
                                             base::TimePoint now) {
  now_ = now;
  if (Refused(index, "restart")) return Take();
  ++command_;
  Log(index, "restart requested");
  RestartOne(index, grace);
  return Take();
}

void Plan::RestartOne(size_t index, std::optional<config::Duration> grace) {
  State& s = states_[index];
  if (!s.alive) {
    if (s.phase == Phase::kBackoff) {
      Emit(Action::CancelTimer(index, TimerKind::kRestart));
      s.restart_dependents = true;
      Respawn(index);
    } else if (s.spawn_pending) {
      s.restart_dependents = true;  // a process is on its way: that is the restart
    } else {
      Activate(index, true);  // not running: restarting it starts it
      s.restart_dependents = true;
    }
    return;
  }
  // Its dependents are not stopped: they ride out the gap, as with compose's restart.
  s.stop_marked = false;
  s.stopped_by_request = false;
  s.start_after_stop = true;
  s.restart_dependents = true;
  s.grace = grace;
  StopOne(index);  // a no-op if a stop is on its way already; its exit respawns it either way
}

void Plan::Respawn(size_t index) {
  State& s = states_[index];
  s.start_after_stop = false;
  s.stop_marked = false;
  s.stopped_by_request = false;
  s.restart_on_exit = false;
  s.never_healthy = false;
  s.ever_healthy = false;
  s.healthy_this_run = false;
  s.fail_on_exit = false;
  s.consecutive = 0;
  s.failure.clear();
  s.grace.reset();
  s.phase = Phase::kStarting;
  s.spawn_pending = true;
  Emit(Action::Spawn(index));
  Changed(index);
}

void Plan::RestartDependents(size_t index) {
  // Ready again after a restart on request: what declared depends_on.restart: true follows
  // (compose's rule; an automatic restart does not do this).
  states_[index].restart_dependents = false;
  for (const DependentEdge& de : dependents_[index]) {
    const Edge& edge = dependencies_[de.service][de.edge];
    const State& d = states_[de.service];
    if (!edge.dep->restart || !d.alive || d.phase == Phase::kStopping) continue;
    Log(de.service, "restarting: dependency " + Def(index).name + " restarted");
    RestartOne(de.service, std::nullopt);
  }
}

std::vector<Action> Plan::OnKillRequested(size_t index, base::TimePoint now) {
  now_ = now;
  State& s = states_[index];
  // In a stack stop the exit is a stop anyway; without a process there is nothing to kill.
  if (!stopping_ && s.alive) s.kill_requested = true;
  return Take();
}

ServiceStatus Plan::Status(size_t index) const {
  const State& s = states_[index];
  ServiceStatus status;
  status.phase = s.phase;
  status.pid = s.pid;
  status.health = s.health;
  status.restarts = s.restarts;
  status.stopped_by_request = s.stopped_by_request;
  if (s.ran) status.started_at = s.started_at;
  status.ready_at = s.ready_at;
  status.last_exit_code = s.last_exit_code;
  status.last_exit = s.last_exit;
  status.last_exit_at = s.last_exit_at;
  status.failure = s.failure;
  if (s.phase == Phase::kWaiting) {
    for (const Edge& edge : dependencies_[index]) {
      if (edge.settled) continue;
      if (!status.waiting_for.empty()) status.waiting_for += ", ";
      status.waiting_for += Def(edge.service).name + " (" +
                            ConditionWord(edge.dep->condition) + ")";
    }
  }
  if (s.phase == Phase::kBackoff && s.held) {
    if (auto starting = StillStarting(index))
      status.waiting_for = Def(*starting).name + " (healthy)";
  }
  return status;
}

}  // namespace stackvisor::supervisor
