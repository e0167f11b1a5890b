// Supervisor: the control surface the API calls (see the header). Every command goes through
// the Plan and the action queue, exactly like a signal or a timer.
#include <unistd.h>

#include <csignal>

#include "healthcheck/notify_listener.h"
#include "config/replicas.h"
#include "procs/children.h"
#include "procs/wait_status.h"
#include "supervisor/supervisor.h"

namespace stackvisor::supervisor {

std::optional<size_t> Supervisor::FindService(std::string_view name) const {
  return plan_.Find(name);
}

// As config::ResolveServiceName, over the stable ids (a reload renumbers the manifest, not them).
std::vector<size_t> Supervisor::FindServices(std::string_view name) const {
  if (name.empty()) return {};  // every plain service has replica_of ""
  if (auto id = plan_.Find(name)) return {*id};
  std::vector<size_t> group;
  for (size_t i = 0; i < services_.size(); ++i)
    if (!plan_.removed(i) && definition(i).replica_of == name) group.push_back(i);
  return group;
}

ServiceSnapshot Supervisor::Snapshot(size_t service) const {
  ServiceSnapshot snap;
  snap.index = service;
  snap.name = definition(service).name;
  if (definition(service).replicas > 1) {  // a count of 1 is not shown as a replica
    snap.replica_of = definition(service).replica_of;
    snap.replica = definition(service).replica;
  }
  snap.status = plan_.Status(service);
  snap.ports = definition(service).ports;
  snap.aliases = definition(service).container.aliases;
  auto wall = [this](const std::optional<base::TimePoint>& t)
      -> std::optional<ServiceSnapshot::WallTime> {
    if (!t) return std::nullopt;
    return wall_epoch_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             *t - steady_epoch_);
  };
  snap.started_at = wall(snap.status.started_at);
  snap.ready_at = wall(snap.status.ready_at);
  snap.last_exit_at = wall(snap.status.last_exit_at);
  return snap;
}

std::vector<ServiceSnapshot> Supervisor::Snapshot() const {
  std::vector<ServiceSnapshot> all;
  all.reserve(services_.size());
  // Removed services are gone from the API as from the manifest (their last lines stay in
  // the log history until a re-added name takes their slot again).
  for (size_t i = 0; i < services_.size(); ++i)
    if (!plan_.removed(i)) all.push_back(Snapshot(i));
  return all;
}

void Supervisor::StartService(size_t service) {
  Execute(plan_.OnStartRequested(service, base::Now()));
}

void Supervisor::StopService(size_t service, std::optional<config::Duration> grace) {
  Execute(plan_.OnStopServiceRequested(service, grace, base::Now()));
}

void Supervisor::RestartService(size_t service, std::optional<config::Duration> grace) {
  Execute(plan_.OnRestartRequested(service, grace, base::Now()));
}

bool Supervisor::KillService(size_t service, int signal) {
  if (services_[service]->pid() <= 0) return false;
  Event(definition(service).name + ": " + procs::SignalName(signal) + " sent on request");
  // SIGKILL or the service's stop signal stops it, as `docker kill` does: its exit is not a
  // crash, and no restart policy brings it back. Any other signal (SIGHUP to reload, ...) is
  // only delivered; if the process dies of it, its restart policy decides as for any exit.
  if (signal == SIGKILL || signal == definition(service).stop_signal)
    Execute(plan_.OnKillRequested(service, base::Now()));
  services_[service]->Signal(signal);
  return true;
}

void Supervisor::Down(std::optional<config::Duration> grace) {
  if (plan_.stopping()) return;
  healthcheck::NotifySystemd("STOPPING=1");
  Execute(plan_.OnStopRequested("stop requested", base::Now(), grace));
}

procs::SpawnSpec Supervisor::SpecFor(size_t service, const SpawnOverrides& overrides) const {
  return BuildSpawnSpec(definition(service), context_.base_environment, geteuid() == 0,
                        overrides);
}

std::vector<pid_t> Supervisor::Pids(size_t service) const {
  return services_[service]->Pids();
}

}  // namespace stackvisor::supervisor
