// Plan: applying an edited manifest. Ids are stable: new services are appended, removed ones
// become tombstones, and only the edges of the services that changed are rebuilt, so a reload
// of 1 service of 1,000 costs the edges it touches, not a new graph.
#include <algorithm>
#include <cassert>

#include "supervisor/plan.h"

namespace stackvisor::supervisor {

size_t Plan::AddService(const config::Service& def) {
  auto found = ids_.find(def.name);
  if (found != ids_.end()) {
    size_t id = found->second;
    State& s = states_[id];
    assert(s.removed);
    s.removed = false;
    if (!s.counted_gone) return id;  // still stopping: OnApply redefines it instead
    // A tombstone comes back: a fresh state in the old slot (its log ring and source stay).
    State fresh;
    fresh.counted_gone = true;  // Recount moves it back into the counts
    fresh.visit = s.visit;
    s = fresh;
    defs_[id] = &def;
    AttachEdges(id);
    return id;
  }
  size_t id = states_.size();
  states_.emplace_back();
  dependencies_.emplace_back();
  dependents_.emplace_back();
  defs_.push_back(&def);
  ids_.emplace(def.name, id);
  AttachEdges(id);
  return id;
}

void Plan::AttachEdges(size_t index) {
  State& s = states_[index];
  for (const auto& dep : Def(index).depends_on) {
    auto found = Find(dep.service);
    if (!found) continue;  // not selected for this run
    size_t j = *found;
    dependents_[j].push_back(DependentEdge{index, dependencies_[index].size()});
    dependencies_[index].push_back(Edge{j, &dep});
    if (!s.down) {
      ++states_[j].blockers;
      Undown(j);  // needed again
    }
  }
  s.unsettled = dependencies_[index].size();
}

void Plan::DetachEdges(size_t index) {
  State& s = states_[index];
  for (Edge& edge : dependencies_[index]) {
    std::erase_if(dependents_[edge.service],
                  [index](const DependentEdge& de) { return de.service == index; });
    State& dep = states_[edge.service];
    if (edge.stop_wait) {
      edge.stop_wait = false;
      --s.stop_edges;
      assert(dep.stop_waits > 0);
      if (--dep.stop_waits == 0 && dep.stop_marked && !stopping_) StopOne(edge.service);
    }
    if (!s.down) {
      assert(dep.blockers > 0);
      if (--dep.blockers == 0) {
        if (stopping_ && !Terminal(edge.service)) StopOne(edge.service);
        Mark(edge.service);
      }
    }
  }
  dependencies_[index].clear();
  s.unsettled = 0;
}

std::vector<Action> Plan::OnApply(const Changes& changes, base::TimePoint now) {
  now_ = now;
  if (stopping_) {
    LogGlobal("reload refused: the stack is stopping");
    return Take();
  }
  ++command_;
  for (const auto& [id, def] : changes.redefine) Redefine(id, def);
  for (size_t id : changes.remove) Remove(id);
  for (const auto& [id, def] : changes.start) {
    if (defs_[id] != def) Redefine(id, def);  // re-added while its removal was still stopping
    else StartNew(id);
  }
  for (size_t id : changes.wake) {
    Log(id, "not running: starting");
    Activate(id, true);
  }
  return Take();
}

void Plan::Redefine(size_t index, const config::Service* def) {
  State& s = states_[index];
  const bool alive = s.alive;
  if (alive) {
    s.stop_marked = false;
    s.stopped_by_request = false;
    s.kill_requested = false;
    s.restart_dependents = false;  // the reload plan lists the dependents it restarts
    s.start_after_stop = true;
    s.reactivate_after_stop = true;
    s.grace.reset();
    // Its dependents' conditions are about the new process: a dependent restarted in the same
    // reload whose old process exits first must wait for it, not for the old one's start.
    s.ever_started = false;
    s.post_start_done = false;
    s.ever_healthy = false;
    Log(index, "definition changed: restarting");
    StopOne(index);  // with the old definition's stop_signal and grace, before the swap
  } else {
    if (s.phase == Phase::kBackoff) Emit(Action::CancelTimer(index, TimerKind::kRestart));
    Log(index, "definition changed: starting");
  }
  DetachEdges(index);
  defs_[index] = def;
  AttachEdges(index);
  if (!alive) {
    ActivateDependencies(index);
    Reactivate(index);
  }
}

void Plan::Remove(size_t index) {
  State& s = states_[index];
  Log(index, "removed from the manifest: stopping");
  s.removed = true;
  CollectStop(index, std::nullopt);
  Mark(index);  // a service that was not running is a tombstone at once
}

void Plan::StartNew(size_t index) {
  State& s = states_[index];
  Changed(index);  // announce it (and count it back in, for a re-added tombstone)
  ActivateDependencies(index);  // a stopped dependency starts, as `up` would start it
  TryStart(index);
  for (size_t k = 0; k < dependencies_[index].size(); ++k) {
    if (s.phase != Phase::kWaiting || stopping_) break;
    if (!dependencies_[index][k].settled) SettleEdge(index, k);
  }
}

}  // namespace stackvisor::supervisor
