#pragma once
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/signal_watcher.h"
#include "base/timer.h"
#include "config/diagnostic.h"
#include "config/loader.h"
#include "config/manifest.h"
#include "logmux/log_history.h"
#include "logmux/mux.h"
#include "logmux/output.h"
#include "logmux/status_line.h"
#include "procs/containment.h"
#include "procs/guardian.h"
#include "procs/reaper.h"
#include "supervisor/plan.h"
#include "supervisor/reload_plan.h"
#include "supervisor/service.h"
#include "supervisor/service_sockets.h"
#include "supervisor/spawn_spec_builder.h"

namespace spdlog {
class logger;
}

namespace stackvisor::supervisor {

struct SupervisorOptions {
  logmux::FormatOptions format;
  PlanOptions plan;
  int output_fd = 1;
  std::string run_marker;  // "KEY=VALUE" added to every service's environment (procs::Guardian)
  procs::Guardian* guardian = nullptr;  // released and reaped at the end of a clean stop
  procs::Containment* containment = nullptr;  // null: process groups only
  logmux::RingLimits log_limits;  // what `logs` can see of each service
  // How the manifest was loaded (its `services` the selection `up` was given), so a reload
  // (SIGHUP, the API, `up` again) loads the same files the same way; nullopt: no reload.
  std::optional<config::LoadOptions> load;
  ServiceSockets* sockets = nullptr;  // socket activation; opened by the caller (OpenAll)
  // Where the generated /etc/hosts, passwd and group of container views are written (the
  // stack's runtime directory/container); empty: a private temporary directory.
  std::string container_files_dir;
};

/// What a reload did, or would do (dry run), or why it did nothing.
struct ApplyResult {
  bool ok = false;                               // false: the edit was invalid, nothing changed
  std::vector<config::Diagnostic> diagnostics;   // every error and warning of the load
  std::string error;                             // when !ok: what failed, in one line
  std::vector<ReloadEntry> plan;                 // per service: keep/restart/start/stop
};

/// What an `up` against the running stack adds to a reload (compose's `up`): its selection
/// joins the stack's (so `up` after a `run` that started only the dependencies brings in the
/// rest), and the services it selects that are stopped or failed start again. A completed
/// one-shot is not run again.
struct UpRequest {
  std::vector<std::string> services;  // `up SERVICE...` as given; empty: every service
};

/// ServiceSnapshot is one service as the control API shows it: the Plan's status with its times
/// on the wall clock.
struct ServiceSnapshot {
  using WallTime = std::chrono::system_clock::time_point;
  size_t index = 0;
  std::string name;
  ServiceStatus status;
  std::optional<WallTime> started_at;
  std::optional<WallTime> ready_at;
  std::optional<WallTime> last_exit_at;
  std::string replica_of;  // the group of a replica (config::Service::replica_of), else empty
  int replica = 0;         // its index 1..N, else 0
  std::vector<config::Port> ports;  // what it binds and publishes (config::Service::ports)
  std::vector<std::string> aliases;  // its other host names (config::ContainerView::aliases)
};

/// Supervisor wires the modules together on one libuv loop and executes the Plan: it owns the
/// reaper, the output and mux, the notify socket, the signal watchers and one Service per
/// service. Run() returns once every service is down, every orphan is reaped and every pipe is
/// drained. Construct, Run once, destroy, then run the loop to let closed handles go.
class Supervisor {
 public:
  /// The manifest becomes the supervisor's (move it in: a copy of 9,000 services is ~15 MB);
  /// a reload replaces it.
  Supervisor(uv_loop_t* loop, config::Manifest manifest, SupervisorOptions options);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  int Run();

  // The control surface (control/ uses only this; loop thread only). Commands go through the
  // Plan and the same action queue as signals and timers.
  uv_loop_t* loop() const { return loop_; }
  /// The manifest last applied (its services in file order; ids are not positions in it).
  const config::Manifest& manifest() const { return manifest_; }
  /// The service's current definition, by id (a tombstone's last one).
  const config::Service& definition(size_t service) const { return plan_.definition(service); }
  /// The id of a service of the current manifest (never a removed one).
  std::optional<size_t> FindService(std::string_view name) const;
  /// What a name given to the API means: one service or replica (`web-2`), or every replica
  /// of a group (`web`), by config::ResolveServiceName; empty when it names nothing.
  std::vector<size_t> FindServices(std::string_view name) const;
  ServiceSnapshot Snapshot(size_t service) const;
  std::vector<ServiceSnapshot> Snapshot() const;
  bool stopping() const { return plan_.stopping(); }
  void StartService(size_t service);
  void StopService(size_t service, std::optional<config::Duration> grace);
  void RestartService(size_t service, std::optional<config::Duration> grace);
  /// Sends `signal` to the service's process group; false when it has no process. SIGKILL and
  /// the service's stop_signal stop it for good (no restart policy applies to that exit).
  bool KillService(size_t service, int signal);
  /// Loads the files again (as at start, see SupervisorOptions::load) and applies them: changed
  /// services restart, new ones start, removed ones stop, the rest is left alone. An invalid
  /// edit changes nothing. With dry_run, only says what it would do. `scale` (service ->
  /// replicas) is merged into the load options first and kept for later reloads. `up`: see
  /// UpRequest; a name it gives that the files lack fails the apply.
  ApplyResult Apply(ReloadOptions options, bool dry_run,
                    const std::map<std::string, int>& scale = {},
                    const std::optional<UpRequest>& up = std::nullopt);
  /// Writes one of stackvisor's own lines (`stackvisor | text`), as its events are written.
  void Announce(const std::string& text) { Event(text); }
  /// Stops the stack, as SIGTERM does; grace replaces every stop_grace_period.
  void Down(std::optional<config::Duration> grace);
  /// The spawn spec `exec`/`run` use for the service (see BuildSpawnSpec).
  procs::SpawnSpec SpecFor(size_t service, const SpawnOverrides& overrides) const;
  /// Every process of the service: its cgroup's members, else its process group's.
  std::vector<pid_t> Pids(size_t service) const;
  logmux::LogHistory& history() { return history_; }
  /// The log source id of a service (LogQuery::sources) and of stackvisor's own lines.
  int log_source(size_t service) const { return sources_[service]; }
  int own_log_source() const { return own_source_; }
  const logmux::Mux& mux() const { return mux_; }
  /// How the stack's processes are contained, as `up` logs it at start.
  std::string containment() const {
    return options_.containment != nullptr ? options_.containment->Describe() : "process groups";
  }
  /// Called after each drained batch of actions, once per service whose status changed. Any
  /// number may listen (the event stream, the status line); each is called in the order added.
  /// Returns the id that removes it.
  uint64_t AddChangeCallback(std::function<void(size_t service)> callback);
  /// Stops calling that callback; safe from within a callback.
  void RemoveChangeCallback(uint64_t id);
  /// The one-slot form: replaces the callback this method set before (nullptr removes it),
  /// leaving those added with AddChangeCallback alone.
  void SetChangeCallback(std::function<void(size_t service)> callback);
  /// Called after each reload that was applied (not a dry run, not a rejected edit), once
  /// manifest() is the new one and its actions have run: what reads the manifest itself (the
  /// watcher's develop.watch rules) reads it again. In the order added; returns the id that
  /// removes it.
  uint64_t AddAppliedCallback(std::function<void()> callback);
  /// Stops calling that callback; safe from within a callback.
  void RemoveAppliedCallback(uint64_t id);
  /// Called once when the stack is down and Run() is about to return.
  void SetFinishCallback(std::function<void()> callback) { on_finish_ = std::move(callback); }

 private:
  /// Queues the actions and, unless a drain is already running further up the stack, executes
  /// them (and those their execution leads to) in order.
  void Execute(std::vector<Action> actions);
  void ExecuteOne(const Action& action);
  /// Makes the Service (callbacks, log source, cgroup) for a new id.
  void AddRuntime(size_t id);
  /// The definitions of every service not removed, for the reload diff.
  std::vector<const config::Service*> Current() const;
  /// Those of `names` that exist and are stopped or failed (or being stopped on request).
  std::unordered_set<std::string> NotRunning(const std::vector<std::string>& names) const;
  void Commit(config::Manifest next, const std::vector<ReloadEntry>& plan);
  void ReloadOnSignal();
  void Event(const std::string& text);
  void OnSignal(int signum);
  void OnPressure(bool congested);
  void BeginFinish(int exit_code);
  void CheckFinished();
  void OnDrainDeadline();
  void Sweep();
  std::vector<pid_t> Orphans() const;
  /// Orphans and everything left in the service cgroups, once each.
  std::vector<pid_t> Leftovers() const;
  void KillLeftovers();
  /// Closes the sockets of a service that is down for good, as a stopped server's port is.
  void ReleaseSocketsIfDown(size_t service);
  /// What each not-yet-ready service waits for, for the status line; none once stopping.
  std::vector<logmux::StatusEntry> WaitingServices() const;

  uv_loop_t* loop_;
  config::Manifest manifest_;
  // What each service binds, logged by Run(): made by the constructor, while config/'s code is
  // still resident (`up` drops the start-up text before Run; test_startup_text).
  std::vector<std::string> port_lines_;
  // Every definition ever applied, by the Plan's and the Services' pointers: the first ones are
  // manifest_.services (not copied: 9,000 services were 15 MB each time), those of a reload are
  // appended here, and a replaced manifest's services move to retired_ (a moved vector keeps
  // its elements where they are), so an old definition stays valid while a process started
  // from it is still stopping.
  std::deque<config::Service> definitions_;
  std::vector<std::vector<config::Service>> retired_;
  SupervisorOptions options_;
  logmux::Output output_;
  logmux::LogHistory history_;  // before the mux, which appends to it
  logmux::Mux mux_;
  std::shared_ptr<spdlog::logger> logger_;
  procs::Reaper reaper_;
  std::unique_ptr<healthcheck::NotifyListener> notify_;
  Plan plan_;
  ServiceContext context_;
  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::unique_ptr<base::SignalWatcher>> signals_;
  base::Timer sweep_timer_;
  std::unordered_set<Service*> to_sweep_;  // services that asked for a sweep since the last one
  base::Timer finish_timer_;
  base::Timer straggler_timer_;  // after the KILL round: kills late orphans the moment they appear
  base::Timer pause_timer_;  // pauses readers after the current I/O pass (fairness)
  size_t resume_from_ = 0;   // rotates which service's pipes are resumed first
  bool finishing_ = false;
  bool orphans_killed_ = false;
  bool all_contained_ = false;        // every service got its cgroup
  bool processes_abandoned_ = false;  // the finish deadline passed: stop waiting for processes
  bool done_ = false;
  bool guardian_exited_ = false;
  int exit_code_ = 0;
  std::deque<Action> queue_;
  bool draining_ = false;
  std::vector<size_t> changed_;  // kChanged seen in the current drain, in order
  std::vector<bool> in_changed_;  // by id: already in changed_ (a linear search was O(n^2))
  std::vector<std::pair<uint64_t, std::function<void(size_t)>>> on_change_;
  uint64_t next_change_id_ = 1;
  uint64_t set_change_id_ = 0;  // SetChangeCallback's entry, 0 for none
  std::function<void()> on_finish_;
  std::vector<std::pair<uint64_t, std::function<void()>>> on_applied_;
  uint64_t next_applied_id_ = 1;
  std::vector<int> sources_;
  int own_source_ = 0;
  base::TimePoint steady_epoch_;  // steady and wall clock read together, for ServiceSnapshot
  std::chrono::system_clock::time_point wall_epoch_;
  std::unique_ptr<logmux::StatusLine> status_;  // a foreground up on a terminal only
};

}  // namespace stackvisor::supervisor
