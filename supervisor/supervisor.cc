#include "supervisor/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <utility>
#include <spdlog/logger.h>

#include "config/port_spec.h"
#include "healthcheck/notify_listener.h"
#include "logmux/mux_sink.h"
#include "procs/children.h"
#include "procs/wait_status.h"

extern char** environ;

namespace stackvisor::supervisor {
namespace {

constexpr const char* kOwnName = "stackvisor";
// Orphans (processes re-parented to us) are not managed services: they get this long after
// SIGTERM before SIGKILL, once every service is down.
constexpr base::Duration kOrphanGrace{500};
// The whole finish is bounded: this long after every service is down, processes that still
// did not die (and pipes still open, held by a process outside our reach) are given up on, so a
// stop ends within stop_grace_period + 1 s whatever the process tree does.
constexpr base::Duration kFinishLimit{900};
// Later, only a blocked stdout delays the end: its lines are worth waiting for.
constexpr base::Duration kDrainGrace{1000};
// After the KILL round, how often to look for orphans re-parented to us since (a daemon's own
// daemon appears only once its parent is killed).
constexpr base::Duration kStragglerPoll{20};

std::vector<std::string> OwnEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    // Our own systemd socket is not the services'; notify services get ours instead.
    if (kv.rfind("NOTIFY_SOCKET=", 0) == 0) continue;
    // Nor are sockets passed to us: their fds are not the services' (socket services get
    // their own LISTEN_* from the spawner).
    if (kv.rfind("LISTEN_FDS=", 0) == 0 || kv.rfind("LISTEN_PID=", 0) == 0 ||
        kv.rfind("LISTEN_FDNAMES=", 0) == 0)
      continue;
    env.push_back(std::move(kv));
  }
  return env;
}

std::vector<const config::Service*> Pointers(const std::vector<config::Service>& defs) {
  std::vector<const config::Service*> out;
  out.reserve(defs.size());
  for (const auto& def : defs) out.push_back(&def);
  return out;
}

}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, config::Manifest manifest, SupervisorOptions options)
    : loop_(loop),
      manifest_(std::move(manifest)),
      options_(options),
      output_(loop, options.output_fd),
      history_(options.log_limits),
      mux_(output_, options.format),
      reaper_(loop),
      plan_(Pointers(manifest_.services), options.plan),
      sweep_timer_(loop),
      finish_timer_(loop),
      straggler_timer_(loop),
      pause_timer_(loop) {
  for (const auto& service : manifest_.services)
    if (auto ports = config::DescribeServicePorts(service); !ports.empty())
      port_lines_.push_back(std::move(ports));
  steady_epoch_ = base::Now();
  wall_epoch_ = std::chrono::system_clock::now();
  mux_.SetHistory(&history_);
  own_source_ = mux_.AddSource(kOwnName);
  for (const auto& svc : manifest_.services) sources_.push_back(mux_.AddSource(svc.name));
  logger_ = std::make_shared<spdlog::logger>(kOwnName, logmux::MakeMuxSink(mux_, own_source_));
  logger_->set_pattern("%v");

  auto notify = healthcheck::NotifyListener::Create(loop);
  if (notify.ok()) notify_ = std::move(notify.value());
  else Event("notify readiness unavailable: " + notify.error().message);

  context_.loop = loop;
  context_.reaper = &reaper_;
  context_.mux = &mux_;
  context_.notify = notify_.get();
  context_.base_environment = OwnEnvironment();
  if (!options_.run_marker.empty()) context_.base_environment.push_back(options_.run_marker);
  context_.request_sweep = [this](Service& service) {
    // Only the services that asked: sweeping all of them on each exit made a stop O(n^2).
    to_sweep_.insert(&service);
    if (!sweep_timer_.active()) sweep_timer_.Start(base::Duration(0), [this] { Sweep(); });
  };
  context_.containment = options_.containment;
  context_.sockets = options_.sockets;
  context_.container_files_dir = options_.container_files_dir;
  all_contained_ = options_.containment != nullptr && options_.containment->active();
  if (all_contained_) {
    for (const auto& svc : manifest_.services) {
      auto cgroup = options_.containment->AddService(svc.name);
      if (cgroup.ok()) continue;
      Event(cgroup.error().message + " (contained by its process group only)");
      all_contained_ = false;
    }
  }
  for (size_t i = 0; i < manifest_.services.size(); ++i) AddRuntime(i);
  reaper_.SetOrphanCallback([this](pid_t pid, procs::WaitStatus) {
    if (options_.guardian != nullptr && pid == options_.guardian->pid()) guardian_exited_ = true;
    if (finishing_) CheckFinished();
  });
  output_.SetPressureCallback([this](bool congested) { OnPressure(congested); });
  for (int signum : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    signals_.push_back(std::make_unique<base::SignalWatcher>(
        loop, signum, [this](int sig) { OnSignal(sig); }));
  }
  if (logmux::StatusLineWanted(options_.output_fd))
    status_ = std::make_unique<logmux::StatusLine>(loop, output_, options_.output_fd,
                                                   [this] { return WaitingServices(); });
}

Supervisor::~Supervisor() = default;

void Supervisor::AddRuntime(size_t i) {
  Service::Callbacks callbacks;
  callbacks.on_exit = [this, i](procs::WaitStatus status) {
    // Stopped (the stack, or this service on request): the rest of the service goes with its
    // main process, as a container's does, before the services it depends on stop. (A
    // daemon left by a main process that exited 0 on its own keeps running, as it always
    // did, until the stack stops.)
    if (plan_.stopping() || plan_.phase(i) == Phase::kStopping) services_[i]->KillContained();
    Execute(plan_.OnExited(i, status.success(), status.ShellCode(), status.Describe(),
                           base::Now()));
  };
  callbacks.on_probe = [this, i](healthcheck::Prober::Event event, const std::string& detail) {
    auto now = base::Now();
    switch (event) {
      case healthcheck::Prober::Event::kHealthy: Execute(plan_.OnHealthy(i, now)); break;
      case healthcheck::Prober::Event::kUnhealthy:
        Execute(plan_.OnUnhealthy(i, detail, now));
        break;
      case healthcheck::Prober::Event::kNeverHealthy:
        Execute(plan_.OnNeverHealthy(i, detail, now));
        break;
    }
  };
  callbacks.on_timer = [this, i](TimerKind timer) {
    Execute(plan_.OnTimer(i, timer, base::Now()));
  };
  callbacks.on_post_start_done = [this, i] {
    Execute(plan_.OnPostStartDone(i, base::Now()));
  };
  callbacks.on_event = [this, i](const std::string& text) {
    Event(definition(i).name + ": " + text);
  };
  services_.push_back(std::make_unique<Service>(context_, definition(i), sources_[i],
                                                std::move(callbacks)));
}

int Supervisor::Run() {
  if (options_.containment != nullptr) Event("containment: " + options_.containment->Describe());
  for (const auto& line : port_lines_) Event(line);
  Execute(plan_.Start(base::Now()));
  if (!done_) uv_run(loop_, UV_RUN_DEFAULT);
  logger_->flush();
  if (status_) status_->Stop();
  output_.Flush();
  return exit_code_;
}

void Supervisor::Event(const std::string& text) { logger_->info(text); }

void Supervisor::Execute(std::vector<Action> actions) {
  for (Action& action : actions) queue_.push_back(std::move(action));
  if (draining_) return;  // the drain further up the stack takes these in order
  draining_ = true;
  while (!queue_.empty()) {
    Action action = std::move(queue_.front());
    queue_.pop_front();
    ExecuteOne(action);
  }
  draining_ = false;
  if (status_) status_->Poke();
  if (changed_.empty()) return;
  std::vector<size_t> changed = std::exchange(changed_, {});
  for (size_t service : changed) in_changed_[service] = false;
  for (size_t service : changed) {
    // By id, not by iterator: a callback may add or remove callbacks.
    std::vector<uint64_t> ids;
    for (const auto& [id, cb] : on_change_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = std::find_if(on_change_.begin(), on_change_.end(),
                             [id](const auto& entry) { return entry.first == id; });
      if (it == on_change_.end()) continue;
      auto callback = it->second;  // a copy: the callback may remove itself
      callback(service);
    }
  }
}

uint64_t Supervisor::AddChangeCallback(std::function<void(size_t service)> callback) {
  const uint64_t id = next_change_id_++;
  on_change_.emplace_back(id, std::move(callback));
  return id;
}

void Supervisor::RemoveChangeCallback(uint64_t id) {
  std::erase_if(on_change_, [id](const auto& entry) { return entry.first == id; });
}

void Supervisor::SetChangeCallback(std::function<void(size_t service)> callback) {
  if (set_change_id_ != 0) RemoveChangeCallback(std::exchange(set_change_id_, 0));
  if (callback) set_change_id_ = AddChangeCallback(std::move(callback));
}

void Supervisor::ExecuteOne(const Action& action) {
  Service* service = action.service < services_.size() ? services_[action.service].get()
                                                       : nullptr;
  switch (action.kind) {
    case Action::Kind::kSpawn: {
      auto pid = service->Spawn();
      if (pid.ok()) Execute(plan_.OnSpawned(action.service, pid.value(), base::Now()));
      else Execute(plan_.OnSpawnFailed(action.service, pid.error().message, base::Now()));
      break;
    }
    case Action::Kind::kSignal:
      if (action.stop) service->Stop(action.signal);
      else service->Signal(action.signal);
      break;
    case Action::Kind::kStartTimer: service->StartTimer(action.timer, action.delay); break;
    case Action::Kind::kCancelTimer: service->CancelTimer(action.timer); break;
    case Action::Kind::kLog: Event(action.text); break;
    case Action::Kind::kAllReady: healthcheck::NotifySystemd("READY=1"); break;
    case Action::Kind::kExit: BeginFinish(action.exit_code); break;
    case Action::Kind::kChanged:
      if (in_changed_.size() <= action.service) in_changed_.resize(action.service + 1);
      if (!in_changed_[action.service]) {
        in_changed_[action.service] = true;
        changed_.push_back(action.service);
      }
      ReleaseSocketsIfDown(action.service);
      break;
  }
}

void Supervisor::ReleaseSocketsIfDown(size_t index) {
  if (options_.sockets == nullptr || definition(index).sockets.empty()) return;
  const Phase phase = plan_.phase(index);
  // A restart (and a crash's backoff) never passes through these: the socket stays, and
  // connections wait in its backlog for the next process.
  if (phase != Phase::kStopped && phase != Phase::kFailed && phase != Phase::kCompleted) return;
  if (services_[index]->pid() > 0) return;
  // A replica's sockets are its group's: they stay while another replica may still use them.
  const std::string& group = definition(index).replica_of;
  if (!group.empty()) {
    for (size_t i = 0; i < services_.size(); ++i) {
      if (i == index || plan_.removed(i) || definition(i).replica_of != group) continue;
      const Phase other = plan_.phase(i);
      if (services_[i]->pid() > 0 ||
          (other != Phase::kStopped && other != Phase::kFailed && other != Phase::kCompleted))
        return;
    }
  }
  options_.sockets->Close(definition(index));
}

void Supervisor::OnSignal(int signum) {
  std::string name = procs::SignalName(signum);
  auto now = base::Now();
  if (signum == SIGUSR1 || signum == SIGUSR2) {
    Event(name + " received and ignored");
    return;
  }
  if (finishing_) {
    if ((signum == SIGINT || signum == SIGQUIT) && !orphans_killed_) {
      orphans_killed_ = true;
      KillLeftovers();
      straggler_timer_.StartRepeating(kStragglerPoll, [this] { CheckFinished(); });
    }
    return;
  }
  if (signum == SIGHUP && options_.load) {
    // The daemon convention (nginx, postgres, sshd): re-read the configuration. As PID 1 of a
    // container this is what `kill -HUP 1` should do, not a stop.
    if (plan_.stopping()) {
      Event(name + " received; the stack is stopping: not reloading");
      return;
    }
    Event(name + " received: reloading the manifest");
    ReloadOnSignal();
    return;
  }
  bool force = signum == SIGQUIT || (signum == SIGINT && plan_.stopping());
  if (force) {
    Execute(plan_.OnForceKill(now));
    return;
  }
  if (plan_.stopping()) {
    Event(name + " received; already stopping (SIGINT again to kill everything now)");
    return;
  }
  healthcheck::NotifySystemd("STOPPING=1");
  std::string reason = name + " received";
  if (signum == SIGINT) reason += "; press Ctrl+C again to kill everything now";
  Execute(plan_.OnStopRequested(reason, now));
}

void Supervisor::OnPressure(bool congested) {
  context_.paused = congested;
  if (congested) {
    // Pipes already readable in this I/O pass still get one chunk each; all pause before the
    // next pass. Pausing at once would let whichever pipe libuv polls first win every round.
    for (auto& service : services_) service->SetThrottled(true);
    pause_timer_.Start(base::Duration(0), [this] {
      for (auto& service : services_) service->SetPaused(true);
    });
    return;
  }
  pause_timer_.Stop();
  size_t n = services_.size();
  for (size_t k = 0; k < n; ++k) services_[(resume_from_ + k) % n]->SetPaused(false);
  if (n > 0) resume_from_ = (resume_from_ + 1) % n;
}

std::vector<pid_t> Supervisor::Orphans() const {
  auto children = procs::ListChildren(getpid());
  if (options_.guardian != nullptr) std::erase(children, options_.guardian->pid());
  return children;
}

void Supervisor::Sweep() {
  for (Service* service : std::exchange(to_sweep_, {})) service->SweepRuns();
  if (finishing_) CheckFinished();
}

std::vector<pid_t> Supervisor::Leftovers() const {
  auto pids = Orphans();
  if (options_.containment == nullptr) return pids;
  for (pid_t pid : options_.containment->Pids())
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  return pids;
}

void Supervisor::KillLeftovers() {
  if (!all_contained_)
    for (pid_t pid : Orphans()) procs::SignalGroup(pid, SIGKILL);
  if (options_.containment != nullptr) options_.containment->Kill();
}

void Supervisor::BeginFinish(int exit_code) {
  exit_code_ = exit_code;
  finishing_ = true;
  // Every service is down; whatever is still our child, or still in a service's cgroup, is an
  // orphan a service left behind. Each gets one SIGTERM (a repeated signal can mean "now").
  std::vector<pid_t> contained;
  if (options_.containment != nullptr) contained = options_.containment->Pids();
  size_t leftovers = Leftovers().size();  // before SIGTERM: most are gone right after it
  for (pid_t pid : Orphans())
    if (std::find(contained.begin(), contained.end(), pid) == contained.end())
      procs::SignalGroup(pid, SIGTERM);
  for (pid_t pid : contained) ::kill(pid, SIGTERM);
  if (leftovers > 0) Event("terminating " + std::to_string(leftovers) + " orphaned process(es)");
  finish_timer_.Start(kOrphanGrace, [this] {
    orphans_killed_ = true;
    KillLeftovers();
    straggler_timer_.StartRepeating(kStragglerPoll, [this] { CheckFinished(); });
    finish_timer_.Start(kFinishLimit - kOrphanGrace, [this] { OnDrainDeadline(); });
  });
  CheckFinished();
}

void Supervisor::OnDrainDeadline() {
  if (!processes_abandoned_) {
    processes_abandoned_ = true;
    size_t left = Leftovers().size();
    if (left > 0)
      Event(std::to_string(left) + " process(es) survived SIGKILL; not waiting for them");
  }
  // Paused readers are not stuck: their lines wait for a slow stdout, and end of file follows.
  // Only pipes still open once output flows are held by something we could not reach.
  if (output_.congested()) {
    finish_timer_.Start(kDrainGrace, [this] { OnDrainDeadline(); });
    return;
  }
  for (auto& service : services_) service->AbandonPipes();
  if (options_.guardian != nullptr && !guardian_exited_) ::kill(options_.guardian->pid(), SIGKILL);
  CheckFinished();
}

void Supervisor::CheckFinished() {
  if (done_ || !finishing_) return;
  if (!processes_abandoned_) {
    // With every service in a cgroup, one file says whether anything is left; a scan of /proc
    // (every 20 ms, on a host with thousands of processes) is only needed without.
    bool populated = options_.containment != nullptr && options_.containment->Populated();
    if (populated || (!all_contained_ && !Orphans().empty())) {
      // After the KILL round, anything seen is killed at once: it was re-parented to us since.
      if (orphans_killed_) KillLeftovers();
      return;
    }
  }
  for (auto& service : services_)
    if (!service->drained()) return;
  if (options_.guardian != nullptr && !guardian_exited_) {
    // Nothing is left for it to clean up: let it go and reap it, so nothing outlives us.
    options_.guardian->Release();
    return;
  }
  done_ = true;
  Event("stopped");
  if (on_finish_) on_finish_();
  finish_timer_.Stop();
  straggler_timer_.Stop();
  uv_stop(loop_);
}

std::vector<logmux::StatusEntry> Supervisor::WaitingServices() const {
  std::vector<logmux::StatusEntry> waiting;
  if (plan_.stopping()) return waiting;
  for (size_t i = 0; i < plan_.size(); ++i) {
    if (plan_.removed(i)) continue;
    ServiceStatus status = plan_.Status(i);
    const config::Service& svc = definition(i);
    std::string what;
    switch (status.phase) {
      case Phase::kWaiting:
        what = status.waiting_for.empty() ? "waiting" : "waiting for " + status.waiting_for;
        break;
      case Phase::kStarting:
        what = svc.healthcheck.kind == config::ProbeKind::kNone ? "starting"
                                                                 : "starting (health check)";
        break;
      case Phase::kBackoff:
        what = status.waiting_for.empty() ? "restarting (backoff)"
                                          : "restarting when " + status.waiting_for;
        break;
      default: continue;
    }
    waiting.push_back({svc.name, std::move(what)});
  }
  return waiting;
}

}  // namespace stackvisor::supervisor
