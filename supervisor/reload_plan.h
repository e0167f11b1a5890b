#pragma once
// What applying an edited manifest to a running stack does to each service: the pure diff
// behind `up` against a running project, SIGHUP, `POST /v1/stack/apply` and `up --dry-run`.
#include <string>
#include <unordered_set>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::supervisor {

enum class ReloadAction { kKeep, kRestart, kStart, kStop };

/// "keep", "restart", "start", "stop": the words the API and `up --dry-run` print.
const char* ReloadActionName(ReloadAction action);

struct ReloadOptions {
  bool force_recreate = false;  // restart every running service, changed or not (compose)
  bool no_recreate = false;     // keep every existing service even if changed (compose)
  /// `up`'s rule (compose starts every selected service that is not running): a service that
  /// would be kept and is named here starts instead (reason "not running"). The Supervisor
  /// lists the services `up` selected that are stopped or failed; a plain reload (SIGHUP)
  /// lists none, so what was stopped on request stays stopped.
  std::unordered_set<std::string> not_running;
};

struct ReloadEntry {
  std::string service;
  ReloadAction action = ReloadAction::kKeep;
  std::string reason;  // "changed", "forced", "dependency db restarts", "new", "removed", ""
};

/// PlanReload compares the running services (`current`, by name; order is irrelevant) with the
/// newly loaded `next`. A service is changed when its resolved definition differs, positions
/// aside (config::SameDefinition). A restart carries over to kept services that declare
/// depends_on.restart: true on it, transitively. A kept service in options.not_running is
/// started. Entries come in `next`'s start order
/// (dependencies first), then the stops in reverse order of `current`. Pure.
std::vector<ReloadEntry> PlanReload(const std::vector<const config::Service*>& current,
                                    const config::Manifest& next, ReloadOptions options);

/// "3 kept, 1 restarted, 1 started, 0 stopped", for the log and the CLI.
std::string ReloadSummary(const std::vector<ReloadEntry>& plan);

}  // namespace stackvisor::supervisor
