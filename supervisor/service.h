#pragma once
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "base/pipe_reader.h"
#include "base/result.h"
#include "base/timer.h"
#include "config/manifest.h"
#include "healthcheck/log_matcher.h"
#include "healthcheck/prober.h"
#include "logmux/log_stream.h"
#include "logmux/mux.h"
#include "procs/containment.h"
#include "procs/reaper.h"
#include "procs/spawn_spec.h"
#include "supervisor/hooks.h"
#include "supervisor/plan.h"
#include "supervisor/spawn_spec_builder.h"

namespace stackvisor::healthcheck {
class NotifyListener;
}

namespace stackvisor::supervisor {
class ServiceSockets;
}

namespace stackvisor::supervisor {

class Service;

/// What a Service needs from the Supervisor that owns it.
struct ServiceContext {
  uv_loop_t* loop = nullptr;
  procs::Reaper* reaper = nullptr;
  logmux::Mux* mux = nullptr;
  healthcheck::NotifyListener* notify = nullptr;  // null when the socket could not be made
  std::vector<std::string> base_environment;      // stackvisor's own, NOTIFY_SOCKET removed
  bool paused = false;                            // output backpressure in effect
  std::function<void(Service&)> request_sweep;    // asks for its SweepRuns at a safe point
  procs::Containment* containment = nullptr;      // a service's cgroup is found here by name
  ServiceSockets* sockets = nullptr;  // socket activation: null when no service has sockets
  std::string container_files_dir;    // generated /etc files of container views
};

/// Service owns everything one service has at run time: the pid of its current process, the
/// pipes of every process it started (each drained to EOF, even after a restart), its prober
/// and its two timers. It executes the Plan's actions for this service and reports process
/// exits and probe events through the callbacks given at construction. Lives as long as the
/// Supervisor; not copyable or movable.
class Service {
 public:
  struct Callbacks {
    std::function<void(procs::WaitStatus)> on_exit;
    std::function<void(healthcheck::Prober::Event, const std::string&)> on_probe;
    std::function<void(TimerKind)> on_timer;
    std::function<void(const std::string&)> on_event;  // a line for stackvisor's own log
    std::function<void()> on_post_start_done;  // every post_start hook of the process exited 0
  };

  Service(ServiceContext& context, const config::Service& config, int log_source,
          Callbacks callbacks);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Starts a new process; its pipes feed the mux; readiness probing starts with it.
  base::Result<pid_t> Spawn();
  /// Sends `signal` to the current process's group (it runs in its own session). SIGKILL
  /// also ends the hooks that run.
  void Signal(int signal);
  /// Stops the process as compose does: its pre_stop hooks first (a failure is logged and the
  /// stop goes on), then `signal`.
  void Stop(int signal);
  void StartTimer(TimerKind timer, config::Duration delay);
  void CancelTimer(TimerKind timer);
  void SetPaused(bool paused);
  void SetThrottled(bool throttled);
  /// Drops the pipes of processes that exited and reached EOF on both streams.
  void SweepRuns();
  /// True once every pipe of every process reached EOF.
  bool drained() const;
  /// Closes whatever pipes are still open (a process outside our reach holds them).
  void AbandonPipes();
  /// SIGKILLs everything left in the service's cgroup (nothing without one).
  void KillContained();

  /// Every live process of the service: its cgroup's members, else its process group's.
  std::vector<pid_t> Pids() const;

  /// A reload changed the service's definition: the next Spawn uses it (and a new prober),
  /// the current process, if any, keeps running under the old one until it exits. `config`
  /// must outlive the Service.
  void Redefine(const config::Service& config);

  const config::Service& config() const { return *config_; }
  pid_t pid() const { return pid_; }

 private:
  struct Run;  // one process: pid, pipes, log streams

  procs::SpawnSpec BuildSpec(const SpawnOverrides& overrides = {}) const;
  base::Result<procs::SpawnSpec> BuildContainerSpec(const SpawnOverrides& overrides = {}) const;
  procs::SpawnSpec HookSpec(const config::Hook& hook) const;
  std::unique_ptr<healthcheck::ActiveProbe> MakeActiveProbe();
  void MakeProber();
  void OnProcessExit(Run* run, procs::WaitStatus status);
  void OnReadinessSignal();

  ServiceContext& context_;
  const config::Service* config_;
  const config::Service* pending_ = nullptr;  // Redefine()d while a process ran
  procs::ServiceCgroup* cgroup_ = nullptr;  // null without cgroup containment
  int log_source_;
  Callbacks callbacks_;
  std::unique_ptr<healthcheck::LogMatcher> log_matcher_;
  std::unique_ptr<healthcheck::Prober> prober_;  // null without a healthcheck
  base::Timer restart_timer_;
  base::Timer kill_timer_;
  std::list<std::unique_ptr<Run>> runs_;
  HookRunner hooks_;  // post_start after a spawn, pre_stop before a stop; one list at a time
  pid_t pid_ = -1;  // the current process; -1 when none is running
};

}  // namespace stackvisor::supervisor
