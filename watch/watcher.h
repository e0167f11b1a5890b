#pragma once
// `stackvisor watch` / `up --watch`: develop.watch rules acted on while the stack runs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/timer.h"
#include "supervisor/supervisor.h"
#include "watch/debounce.h"
#include "watch/rules.h"
#include "watch/tree_watcher.h"

namespace stackvisor::watch {

struct WatchOptions {
  DebounceOptions debounce;
  size_t max_directories = 8192;  // inotify watches this stack may hold (STACKVISOR_WATCH_MAX_DIRS)
};

/// Watcher follows the develop.watch rules of the supervisor's manifest: one TreeWatcher per
/// rule feeds one Debouncer, and each due batch is applied per service, syncing first and then
/// restarting through Supervisor::RestartService (the control surface; a service stopped on
/// request stays stopped, and nothing happens once the stack is stopping). Every step is
/// logged as a stackvisor line. Construct after the supervisor, Start() before Run(), destroy
/// before the supervisor (its handles close then). A reload the supervisor applies replaces
/// the rules and every tree watcher with the new manifest's; a batch still pending then is
/// dropped (logged): its rule ids meant the old rules, and the reload restarted what it
/// changed. Loop thread only; not copyable or movable.
class Watcher {
 public:
  Watcher(supervisor::Supervisor& supervisor, WatchOptions options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  /// Adds the watches and logs what is watched; false when the manifest has no rule.
  bool Start();

 private:
  /// One TreeWatcher per rule, each announced once it watches.
  void AddTrees();
  void OnApplied();
  void OnChange(size_t rule, const std::string& absolute);
  void OnTimer();
  void Apply(const Batch& batch);
  void Sync(const ServiceWork& work);

  supervisor::Supervisor& supervisor_;
  WatchOptions options_;
  RuleSet rules_;
  // The manifest the rules were read from (a reload replaces the supervisor's): rules name
  // services by their position in it, and the supervisor is asked by name.
  config::Manifest manifest_;
  WatchBudget budget_;
  Debouncer debouncer_;
  std::vector<std::unique_ptr<TreeWatcher>> trees_;  // one per rule, by rule id
  base::Timer timer_;
  uint64_t applied_id_ = 0;  // Supervisor::AddAppliedCallback's
  bool started_ = false;     // Start() ran: a reload rebuilds the trees
};

}  // namespace stackvisor::watch
