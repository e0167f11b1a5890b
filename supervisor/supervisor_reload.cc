// Supervisor: applying an edited manifest to the running stack (SIGHUP, POST /v1/stack/apply,
// `up` against a running project). The diff is pure (reload_plan.h), the state changes go
// through the Plan; this file loads, keeps the definitions alive and makes the runtime
// objects (log source, cgroup, Service) of the services that are new.
#include <unistd.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "config/replicas.h"
#include "supervisor/container_files.h"
#include "supervisor/port_preflight.h"
#include "supervisor/supervisor.h"

namespace stackvisor::supervisor {
namespace {

// The selection `up web` was given, applied again: those services and their dependencies.
// Names the edit removed are dropped from it rather than failing the reload.
void Select(const std::vector<std::string>& names, config::Manifest& manifest) {
  if (names.empty()) return;
  std::vector<std::string> present;
  for (const auto& name : names)
    if (manifest.Find(name) != nullptr) present.push_back(name);
  auto keep = config::WithDependencies(manifest, present);
  std::unordered_map<std::string_view, bool> wanted;
  for (const auto& name : keep) wanted.emplace(name, true);
  std::erase_if(manifest.services,
                [&wanted](const config::Service& svc) { return wanted.count(svc.name) == 0; });
}

// The new services' ports as `up` checks them, when no running service has that port (it may
// be the one the edit stops or restarts, which frees it): "" when they can all be bound.
std::string PortsOfNewServices(const std::vector<const config::Service*>& current,
                               const config::Manifest& next, const std::vector<ReloadEntry>& plan) {
  std::vector<config::Service> added;
  for (const ReloadEntry& entry : plan) {
    if (entry.action != ReloadAction::kStart) continue;
    config::Service svc = *next.Find(entry.service);
    std::erase_if(svc.ports, [&current](const config::Port& p) {
      return std::any_of(current.begin(), current.end(), [&p](const config::Service* s) {
        return std::any_of(s->ports.begin(), s->ports.end(), [&p](const config::Port& q) {
          return q.port == p.port && q.protocol == p.protocol;
        });
      });
    });
    if (!svc.ports.empty()) added.push_back(std::move(svc));
  }
  std::string out;
  for (const auto& problem : CheckPorts(added, geteuid()))
    out += (out.empty() ? "" : "; ") + FormatPortProblem(problem);
  return out;
}

// `up web` after `up db` runs both: the stack's selection grows by the names `up` gives, and
// becomes every service once either is "every service" (empty).
std::vector<std::string> JoinSelection(const std::vector<std::string>& stack,
                                       const std::vector<std::string>& up) {
  if (stack.empty() || up.empty()) return {};
  std::vector<std::string> joined = stack;
  for (const auto& name : up)
    if (std::find(joined.begin(), joined.end(), name) == joined.end()) joined.push_back(name);
  return joined;
}

// The names `up` selects in `next`: those it gives (a group name meaning its replicas) and
// their dependencies, or every service.
std::vector<std::string> UpSelected(const config::Manifest& next, const UpRequest& up) {
  std::vector<std::string> names;
  if (up.services.empty()) {
    for (const auto& svc : next.services) names.push_back(svc.name);
    return names;
  }
  for (const auto& name : up.services)
    for (size_t i : config::ResolveServiceName(next, name)) names.push_back(next.services[i].name);
  return config::WithDependencies(next, names);
}

}  // namespace

std::unordered_set<std::string> Supervisor::NotRunning(const std::vector<std::string>& names) const {
  std::unordered_set<std::string> out;
  for (const auto& name : names) {
    auto id = plan_.Find(name);
    if (!id) continue;  // new: it starts anyway
    const ServiceStatus status = plan_.Status(*id);
    // Being stopped on request counts too: `up` wants it back (it starts once stopped).
    if (status.phase == Phase::kStopped || status.phase == Phase::kFailed ||
        (status.phase == Phase::kStopping && status.stopped_by_request))
      out.insert(name);
  }
  return out;
}

std::vector<const config::Service*> Supervisor::Current() const {
  std::vector<const config::Service*> current;
  current.reserve(plan_.size());
  for (size_t i = 0; i < plan_.size(); ++i)
    if (!plan_.removed(i)) current.push_back(&definition(i));
  return current;
}

ApplyResult Supervisor::Apply(ReloadOptions options, bool dry_run,
                              const std::map<std::string, int>& scale,
                              const std::optional<UpRequest>& up) {
  ApplyResult result;
  if (!options_.load) {
    result.error = "this stack has no manifest files to reload";
    return result;
  }
  if (plan_.stopping()) {
    result.error = "the stack is stopping";
    return result;
  }
  config::LoadOptions load = *options_.load;
  for (const auto& [service, replicas] : scale) load.scale[service] = replicas;
  if (up) load.services = JoinSelection(load.services, up->services);
  config::LoadResult loaded = config::Load(load);
  result.diagnostics = std::move(loaded.diagnostics);
  if (!loaded.manifest) {
    result.error = "the manifest is invalid; nothing was changed";
    return result;
  }
  config::Manifest next = std::move(*loaded.manifest);
  if (up) {
    // The load checks only the names the stack's selection keeps (none when it is every service).
    for (const auto& name : up->services) {
      if (config::ResolveServiceName(next, name).empty()) {
        result.error = "no such service: " + name + "; nothing was changed";
        return result;
      }
    }
  }
  Select(load.services, next);
  if (next.name != manifest_.name) {
    // The runtime directory, the socket and the cgroups are the project's by name.
    result.error = "the project name changed from " + manifest_.name + " to " + next.name +
                   "; nothing was changed (stop the stack and start it again)";
    return result;
  }
  if (up) options.not_running = NotRunning(UpSelected(next, *up));
  result.plan = PlanReload(Current(), next, options);
  if (auto ports = PortsOfNewServices(Current(), next, result.plan); !ports.empty()) {
    result.error = ports + "; nothing was changed";
    return result;
  }
  result.ok = true;
  if (dry_run) return result;
  options_.load->scale = load.scale;  // a later reload keeps the replicas asked for
  options_.load->services = load.services;  // and the services `up` added
  Commit(std::move(next), result.plan);
  return result;
}

void Supervisor::Commit(config::Manifest next, const std::vector<ReloadEntry>& plan) {
  std::unordered_map<std::string_view, const config::Service*> by_name;
  by_name.reserve(next.services.size());
  for (const auto& svc : next.services) by_name.emplace(svc.name, &svc);
  Plan::Changes changes;
  for (const ReloadEntry& entry : plan) {
    switch (entry.action) {
      case ReloadAction::kKeep: {
        // Only the stack's names may differ (config::SameDefinition): the process keeps running
        // and its /etc/hosts is rewritten; its next start uses the new definition.
        const size_t id = *plan_.Find(entry.service);
        const config::Service& now = *by_name.at(entry.service);
        if (now.container.enabled && now.container.hosts != definition(id).container.hosts) {
          services_[id]->Redefine(definitions_.emplace_back(now));
          if (auto rewritten = RewriteHostsInPlace(now, ContainerFilesDir(options_.container_files_dir));
              !rewritten.ok())
            Event(rewritten.error().message);
        }
        break;
      }
      case ReloadAction::kRestart: {
        size_t id = *plan_.Find(entry.service);
        const config::Service* def = &definitions_.emplace_back(*by_name.at(entry.service));
        services_[id]->Redefine(*def);
        changes.redefine.emplace_back(id, def);
        break;
      }
      case ReloadAction::kStart: {
        if (auto id = plan_.Find(entry.service)) {  // kept, but not running ("not running")
          changes.wake.push_back(*id);
          break;
        }
        const config::Service* def = &definitions_.emplace_back(*by_name.at(entry.service));
        size_t id = plan_.AddService(*def);
        if (id == services_.size()) {
          sources_.push_back(mux_.AddSource(def->name));
          if (all_contained_) {
            auto cgroup = options_.containment->AddService(def->name);
            if (!cgroup.ok()) {
              Event(cgroup.error().message + " (contained by its process group only)");
              all_contained_ = false;
            }
          }
          AddRuntime(id);
        } else {
          mux_.Revive(sources_[id]);  // its slot, its log ring and its colour come back
          services_[id]->Redefine(*def);
        }
        changes.start.emplace_back(id, def);
        break;
      }
      case ReloadAction::kStop: {
        size_t id = *plan_.Find(entry.service);
        mux_.Retire(sources_[id]);
        changes.remove.push_back(id);
        break;
      }
    }
  }
  retired_.push_back(std::move(manifest_.services));  // the Plan and Services may still point in
  manifest_ = std::move(next);
  Event("reload: " + ReloadSummary(plan));
  Execute(plan_.OnApply(changes, base::Now()));
  // By id, not by iterator: a callback may add or remove callbacks.
  std::vector<uint64_t> ids;
  for (const auto& [id, cb] : on_applied_) ids.push_back(id);
  for (uint64_t id : ids) {
    auto it = std::find_if(on_applied_.begin(), on_applied_.end(),
                           [id](const auto& entry) { return entry.first == id; });
    if (it == on_applied_.end()) continue;
    auto callback = it->second;  // a copy: the callback may remove itself
    callback();
  }
}

uint64_t Supervisor::AddAppliedCallback(std::function<void()> callback) {
  const uint64_t id = next_applied_id_++;
  on_applied_.emplace_back(id, std::move(callback));
  return id;
}

void Supervisor::RemoveAppliedCallback(uint64_t id) {
  std::erase_if(on_applied_, [id](const auto& entry) { return entry.first == id; });
}

void Supervisor::ReloadOnSignal() {
  ApplyResult result = Apply({}, false);
  if (result.ok) return;
  for (const auto& d : result.diagnostics) Event(d.Format());
  Event("SIGHUP: reload failed: " + result.error);
}

}  // namespace stackvisor::supervisor
