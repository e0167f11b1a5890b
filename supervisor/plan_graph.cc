// Plan: the dependency graph's bookkeeping. Every event changes a few services; Changed()
// propagates exactly those changes along their edges, with counters instead of rescans:
// `unsettled` (dependencies whose condition is open) decides when a service starts, `blockers`
// (dependents not yet down) when a stopping service may be stopped, and two counts answer
// "all ready?" and "all finished?" in O(1).
#include <cassert>

#include "supervisor/plan.h"

namespace stackvisor::supervisor {

using config::DependCondition;

bool Plan::Terminal(size_t index) const {
  const State& s = states_[index];
  if (s.alive) return false;
  return s.phase == Phase::kCompleted || s.phase == Phase::kFailed || s.phase == Phase::kStopped;
}

bool Plan::Ready(size_t index) const {
  const State& s = states_[index];
  return (s.alive && s.phase == Phase::kRunning) || s.phase == Phase::kCompleted;
}

void Plan::Recount(size_t index) {
  State& s = states_[index];
  // A removed service is counted until it is down, then never again (a tombstone).
  bool gone = s.removed && Terminal(index);
  bool ready = !gone && Ready(index);
  bool terminal = !gone && Terminal(index);
  bool requested = terminal && s.stopped_by_request;
  if (gone != s.counted_gone) gone ? ++gone_count_ : --gone_count_;
  s.counted_gone = gone;
  if (ready && !s.counted_ready) s.ready_at = now_;
  if (ready != s.counted_ready) ready ? ++ready_count_ : --ready_count_;
  if (terminal != s.counted_terminal) terminal ? ++terminal_count_ : --terminal_count_;
  if (requested != s.counted_requested) requested ? ++requested_stopped_ : --requested_stopped_;
  s.counted_ready = ready;
  s.counted_terminal = terminal;
  s.counted_requested = requested;
  // Down implies terminal: a service that runs again is Undown()e first, since its
  // dependencies were released when it went down.
  assert(!s.down || terminal);
}

void Plan::Changed(size_t index) {
  Emit(Action::Changed(index));
  Mark(index);
}

void Plan::Mark(size_t index) {
  Recount(index);
  changed_.push_back(index);
  if (propagating_) return;  // the loop below is already running further up the stack
  propagating_ = true;
  for (size_t next = 0; next < changed_.size(); ++next) Propagate(changed_[next]);
  changed_.clear();
  propagating_ = false;
  if (!pending_stop_.empty() && !stopping_) BeginStop(std::exchange(pending_stop_, {}), 1);
}

void Plan::Propagate(size_t index) {
  State& s = states_[index];
  if (!s.down && (s.counted_terminal || s.counted_gone) && s.blockers == 0) MarkDown(index);
  if (s.counted_gone && !s.detached) {
    s.detached = true;
    DetachEdges(index);  // nothing waits on a tombstone, and it holds up nothing
  }
  if (s.stop_edges > 0 && (s.counted_terminal || s.counted_gone)) Release(index);
  if (s.restart_dependents && s.counted_ready && !stopping_) RestartDependents(index);
  if (!stopping_) NotifyDependents(index);
}

void Plan::MarkDown(size_t index) {
  states_[index].down = true;
  for (const Edge& edge : dependencies_[index]) {
    State& dep = states_[edge.service];
    assert(dep.blockers > 0);
    if (--dep.blockers > 0) continue;
    // Its last dependent is down: in a stop it goes next; either way it may now be down too.
    if (stopping_ && !Terminal(edge.service)) StopOne(edge.service);
    Mark(edge.service);
  }
}

void Plan::Undown(size_t index) {
  // The reverse of MarkDown, for a service about to run again: it blocks its dependencies
  // again, and a dependency that was down is no longer (it is needed), recursively. Each
  // service is undone at most once per command, so this stays O(services + edges).
  State& s = states_[index];
  if (!s.down) return;
  s.down = false;
  for (const Edge& edge : dependencies_[index]) {
    ++states_[edge.service].blockers;
    Undown(edge.service);
  }
}

void Plan::Release(size_t index) {
  // A service a requested stop waited for is down: the dependencies whose stop waited for it
  // may go now, in reverse dependency order as in a stack stop.
  State& s = states_[index];
  for (Edge& edge : dependencies_[index]) {
    if (!edge.stop_wait) continue;
    edge.stop_wait = false;
    --s.stop_edges;
    State& dep = states_[edge.service];
    assert(dep.stop_waits > 0);
    if (--dep.stop_waits == 0 && dep.stop_marked && !stopping_) StopOne(edge.service);
  }
}

std::optional<bool> Plan::Condition(const Edge& edge, std::string* why) {
  ++condition_checks_;
  const State& dep = states_[edge.service];
  const std::string& name = Def(edge.service).name;
  bool terminal = dep.phase == Phase::kFailed || dep.phase == Phase::kCompleted ||
                  dep.phase == Phase::kStopped;
  auto failed = [&] {
    return "dependency " + name + " failed" + (dep.failure.empty() ? "" : ": " + dep.failure);
  };
  switch (edge.dep->condition) {
    case DependCondition::kStarted:
      // Started once its post_start hooks ran; one that ended before they did started too.
      if (dep.ever_started && (dep.post_start_done || (terminal && dep.phase != Phase::kFailed)))
        return true;
      break;
    case DependCondition::kHealthy:
      if (dep.ever_healthy && dep.post_start_done) return true;
      if (dep.never_healthy) {
        *why = "dependency " + name + " never became healthy";
        return false;
      }
      if (dep.phase == Phase::kFailed && !dep.failure.empty()) {
        *why = failed();
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
    *why = failed();
    return false;
  }
  return std::nullopt;
}

void Plan::SettleEdge(size_t index, size_t edge_index) {
  Edge& edge = dependencies_[index][edge_index];
  std::string why;
  auto ok = Condition(edge, &why);
  if (!ok) return;  // still open
  edge.settled = true;
  State& s = states_[index];
  --s.unsettled;
  if (!*ok) {
    if (!edge.dep->required) {
      Log(index, "optional " + why + "; starting anyway");
    } else {
      s.phase = Phase::kFailed;
      s.failure = why;
      Log(index, "not started: " + why);
      RequestStop(Def(index).name + " cannot start");
      Changed(index);
      return;
    }
  }
  TryStart(index);
}

void Plan::TryStart(size_t index) {
  State& s = states_[index];
  if (s.phase != Phase::kWaiting || s.unsettled > 0) return;
  if (stopping_ || !pending_stop_.empty()) return;  // the stack is going down: start nothing
  s.phase = Phase::kStarting;
  s.spawn_pending = true;
  Emit(Action::Spawn(index));
  // Only the phase changed, and no condition depends on kStarting: announce it without a
  // propagation, which would re-check its dependents' conditions for nothing.
  Emit(Action::Changed(index));
}

void Plan::RequestStop(const std::string& reason) {
  // Detached, a failure does not end the stack: its dependents fail, the rest keeps running
  // and `start` can try again once it is fixed.
  if (options_.stay_up) return;
  if (pending_stop_.empty()) pending_stop_ = reason;
}

void Plan::NotifyDependents(size_t index) {
  // A stop is decided: nothing will start, and a failure's dependents of dependents are just
  // stopped rather than each told the whole chain of reasons.
  if (!pending_stop_.empty()) return;
  State& s = states_[index];
  // A service that failed for good fails whatever requires it, waiting or running: a stack
  // whose database is gone for good is not serving (compose differs; see the README).
  bool spread = s.phase == Phase::kFailed && !s.failure_spread;
  if (spread) s.failure_spread = true;
  for (const DependentEdge& de : dependents_[index]) {
    State& d = states_[de.service];
    const Edge& edge = dependencies_[de.service][de.edge];
    if (d.phase == Phase::kWaiting && !edge.settled) {
      SettleEdge(de.service, de.edge);
      continue;
    }
    if (!spread || Terminal(de.service)) continue;
    std::string why = "dependency " + Def(index).name + " failed" +
                      (s.failure.empty() ? "" : ": " + s.failure);
    if (!edge.dep->required) {
      if (d.phase != Phase::kWaiting) Log(de.service, "optional " + why + "; keeps running");
      continue;
    }
    d.failure = why;
    RequestStop(Def(de.service).name + " failed");
    if (d.phase == Phase::kWaiting) {
      d.phase = Phase::kFailed;
      Log(de.service, "not started: " + why);
      Changed(de.service);
    } else if (options_.stay_up) {
      // No stack stop will come: stop it alone; it ends failed, which spreads further.
      Log(de.service, "failed: " + why);
      d.fail_on_exit = true;
      StopOne(de.service);
    } else {
      Log(de.service, "failed: " + why);  // it is stopped with the rest, in order
    }
  }
}

}  // namespace stackvisor::supervisor
