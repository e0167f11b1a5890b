#include "supervisor/reload_plan.h"

#include <unordered_map>
#include <unordered_set>

#include "config/loader.h"
#include "config/service_hash.h"

namespace stackvisor::supervisor {

const char* ReloadActionName(ReloadAction action) {
  switch (action) {
    case ReloadAction::kKeep: return "keep";
    case ReloadAction::kRestart: return "restart";
    case ReloadAction::kStart: return "start";
    case ReloadAction::kStop: return "stop";
  }
  return "keep";
}

std::vector<ReloadEntry> PlanReload(const std::vector<const config::Service*>& current,
                                    const config::Manifest& next, ReloadOptions options) {
  std::unordered_map<std::string_view, const config::Service*> running;
  running.reserve(current.size());
  for (const config::Service* svc : current) running.emplace(svc->name, svc);
  std::unordered_map<std::string_view, const config::Service*> wanted;
  wanted.reserve(next.services.size());
  for (const auto& svc : next.services) wanted.emplace(svc.name, &svc);

  std::vector<ReloadEntry> plan;
  plan.reserve(next.services.size() + current.size());
  // Start order puts every dependency before its dependents, so one pass sees a restart
  // before the dependents it carries over to.
  std::unordered_set<std::string> restarting;
  for (const std::string& name : config::StartOrder(next)) {
    const config::Service& svc = *wanted.at(name);
    ReloadEntry entry{name, ReloadAction::kKeep, ""};
    auto old = running.find(svc.name);
    if (old == running.end()) {
      entry = {name, ReloadAction::kStart, "new"};
    } else if (options.no_recreate) {
      // kept as it runs, changed or not
    } else if (options.force_recreate) {
      entry = {name, ReloadAction::kRestart, "forced"};
    } else if (!config::SameDefinition(*old->second, svc)) {
      entry = {name, ReloadAction::kRestart, "changed"};
    } else {
      for (const auto& dep : svc.depends_on) {
        if (dep.restart && restarting.count(dep.service) > 0) {
          entry = {name, ReloadAction::kRestart, "dependency " + dep.service + " restarts"};
          break;
        }
      }
    }
    if (entry.action == ReloadAction::kKeep && options.not_running.count(name) > 0)
      entry = {name, ReloadAction::kStart, "not running"};
    if (entry.action == ReloadAction::kRestart) restarting.insert(name);
    plan.push_back(std::move(entry));
  }
  for (auto it = current.rbegin(); it != current.rend(); ++it)
    if (wanted.count((*it)->name) == 0) plan.push_back({(*it)->name, ReloadAction::kStop, "removed"});
  return plan;
}

std::string ReloadSummary(const std::vector<ReloadEntry>& plan) {
  size_t counts[4] = {0, 0, 0, 0};
  for (const auto& entry : plan) ++counts[static_cast<size_t>(entry.action)];
  return std::to_string(counts[0]) + " kept, " + std::to_string(counts[1]) + " restarted, " +
         std::to_string(counts[2]) + " started, " + std::to_string(counts[3]) + " stopped";
}

}  // namespace stackvisor::supervisor
