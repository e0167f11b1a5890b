#pragma once
// The supervisor's brain as a pure state machine: events in, actions out, time passed in.
// No libuv, no processes, so every rule is unit-tested with a fake clock.
#include <sys/types.h>

#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "config/manifest.h"

namespace stackvisor::supervisor {

enum class Phase {
  kWaiting,    // not started: dependencies' conditions do not hold yet
  kStarting,   // process running, readiness not yet seen
  kRunning,    // process running and ready (or no readiness check)
  kBackoff,    // exited; restart timer armed
  kStopping,   // stop signal sent, waiting for the exit
  kCompleted,  // one-shot exited 0
  kFailed,     // failed for good: no restart left, never healthy, or a dependency failed
  kStopped,    // stopped on request
};

enum class TimerKind { kRestart, kKill };

struct Action {
  enum class Kind {
    kSpawn,        // start the service's process; answer with OnSpawned or OnSpawnFailed
    kSignal,       // send `signal` to the service's process group
    kStartTimer,   // arm `timer` for the service after `delay`; answer with OnTimer
    kCancelTimer,  // disarm `timer`
    kLog,          // an event line for stackvisor's own log
    kAllReady,     // every service is ready (systemd READY=1)
    kExit,         // every service is down: finish with `exit_code`
    kChanged,      // the service's Status() changed (phase, pid, health, ...): publish it
  };
  Kind kind = Kind::kLog;
  size_t service = 0;
  int signal = 0;
  // kSignal: the stop signal of a stop, which the service's pre_stop hooks (if any) precede;
  // the kill timer armed with it bounds them too.
  bool stop = false;
  TimerKind timer = TimerKind::kRestart;
  config::Duration delay{0};
  int exit_code = 0;
  std::string text;

  static Action Spawn(size_t service) { return Make(Kind::kSpawn, service); }
  static Action Signal(size_t service, int signal) {
    Action a = Make(Kind::kSignal, service);
    a.signal = signal;
    return a;
  }
  static Action StopSignal(size_t service, int signal) {
    Action a = Signal(service, signal);
    a.stop = true;
    return a;
  }
  static Action StartTimer(size_t service, TimerKind timer, config::Duration delay) {
    Action a = Make(Kind::kStartTimer, service);
    a.timer = timer;
    a.delay = delay;
    return a;
  }
  static Action CancelTimer(size_t service, TimerKind timer) {
    Action a = Make(Kind::kCancelTimer, service);
    a.timer = timer;
    return a;
  }
  static Action Log(size_t service, std::string text) {
    Action a = Make(Kind::kLog, service);
    a.text = std::move(text);
    return a;
  }
  static Action Changed(size_t service) { return Make(Kind::kChanged, service); }
  static Action AllReady() { return Make(Kind::kAllReady, 0); }
  static Action Exit(int code) {
    Action a = Make(Kind::kExit, 0);
    a.exit_code = code;
    return a;
  }

 private:
  static Action Make(Kind kind, size_t service) {
    Action a;
    a.kind = kind;
    a.service = service;
    return a;
  }
};

struct PlanOptions {
  bool abort_on_exit = false;             // stop everything when any service exits
  std::optional<size_t> exit_code_from;   // stop when it exits and return its code
  // Detached (`up -d`): the stack lives until a stop request (down, a signal), even once every
  // service has completed, failed or been stopped, so ps and logs can still say why.
  bool stay_up = false;
};

enum class Health { kNone, kStarting, kHealthy, kUnhealthy };

/// ServiceStatus is everything known about one service, owned by the Plan: what `ps` and the
/// API show. Times are the Plan's clock (steady); the Supervisor converts them for display.
struct ServiceStatus {
  Phase phase = Phase::kWaiting;
  pid_t pid = -1;                       // the current process; -1 when none
  Health health = Health::kNone;        // kNone: no healthcheck
  int restarts = 0;
  bool stopped_by_request = false;      // stop/kill on request, not a stack stop
  std::optional<base::TimePoint> started_at;  // the current (or last) process's start
  std::optional<base::TimePoint> ready_at;    // when it last became ready
  std::optional<int> last_exit_code;          // shell convention: 128+N for signal N
  std::string last_exit;                      // "exited with code 1", "killed by SIGKILL"
  std::optional<base::TimePoint> last_exit_at;
  std::string failure;                  // why it failed for good (phase kFailed)
  std::string waiting_for;              // phase kWaiting: e.g. "db (healthy), migrate (completed)";
                                        // kBackoff: the dependency a held restart waits for
};

/// Plan tracks every service's phase and decides, for each event, what the Supervisor must do.
/// It owns nothing but state; the Supervisor feeds it events from the reaper, probes, timers
/// and signals, and executes the returned actions in order. Single-threaded.
/// It is the one owner of service state: Status() is what ps and the API show, and every
/// change of it is announced with a kChanged action.
/// Services are known by a stable id: the constructor numbers them in order, a reload appends
/// new ones and never renumbers; a removed service stays as a tombstone (hidden by Find, left
/// out of every count once it is down) whose id a re-added name gets back.
/// Cost: the graph is built once, and every event costs O(1) plus the edges of the services
/// whose state it changed (counters replace rescans), so a whole run is O(services + edges)
/// apart from one pass over all services when a stop begins; a per-service command costs at
/// most one pass over the services and edges it reaches.
class Plan {
 public:
  /// Each definition must outlive the Plan (the Supervisor keeps every one it ever applied).
  Plan(std::vector<const config::Service*> definitions, PlanOptions options);
  /// The manifest's services, ids in file order; the manifest must outlive the Plan.
  Plan(const config::Manifest& manifest, PlanOptions options);
  static std::vector<const config::Service*> Definitions(const config::Manifest& manifest);

  std::vector<Action> Start(base::TimePoint now);
  std::vector<Action> OnSpawned(size_t service, pid_t pid, base::TimePoint now);
  std::vector<Action> OnSpawnFailed(size_t service, const std::string& error, base::TimePoint now);
  /// Its dependents waiting out a restart delay start again at once (they most likely
  /// failed because it was not ready yet); their backoff keeps counting.
  std::vector<Action> OnHealthy(size_t service, base::TimePoint now);
  std::vector<Action> OnUnhealthy(size_t service, const std::string& detail, base::TimePoint now);
  std::vector<Action> OnNeverHealthy(size_t service, const std::string& detail,
                                     base::TimePoint now);
  std::vector<Action> OnExited(size_t service, bool success, int code, const std::string& what,
                               base::TimePoint now);
  std::vector<Action> OnTimer(size_t service, TimerKind timer, base::TimePoint now);
  /// The post_start hooks of the service's current process all exited 0. Until then its
  /// dependents do not count it as started (or healthy): compose starts a dependent once its
  /// dependency's post_start ran. A failed hook kills the process instead (an exit).
  std::vector<Action> OnPostStartDone(size_t service, base::TimePoint now);
  /// Stops the whole stack (a signal, `down`); grace, when given, replaces every service's
  /// stop_grace_period for this stop.
  std::vector<Action> OnStopRequested(const std::string& reason, base::TimePoint now,
                                      std::optional<config::Duration> grace = std::nullopt);
  std::vector<Action> OnForceKill(base::TimePoint now);

  // Per-service commands (the control API). Each is a no-op (with a log line saying why) when
  // the service is already where it is asked to be, and refused once the stack is stopping.
  /// Starts the service, and first whatever it requires that is not running, as compose does.
  std::vector<Action> OnStartRequested(size_t service, base::TimePoint now);
  /// Stops the service with its stop_signal (grace: its stop_grace_period unless given); the
  /// stack stays up. Its running dependents are stopped first, as their dependency goes away.
  std::vector<Action> OnStopServiceRequested(size_t service, std::optional<config::Duration> grace,
                                             base::TimePoint now);
  /// Stops (as above) then starts the service again; dependents that declare
  /// depends_on.restart: true are restarted after it.
  std::vector<Action> OnRestartRequested(size_t service, std::optional<config::Duration> grace,
                                         base::TimePoint now);

  /// The Supervisor is about to signal the service on request (kill): when that process
  /// exits, it ends kStopped with stopped_by_request and no restart policy applies (as docker
  /// treats a killed container). Its dependents are left alone.
  std::vector<Action> OnKillRequested(size_t service, base::TimePoint now);

  // Reload (plan_reload.cc): the changes of an edited manifest, by id.
  /// Registers a service of the new manifest and returns its id: a new one, or the tombstone's
  /// of the same name. It does nothing until OnApply lists it in `start`. `def` must outlive
  /// the Plan.
  size_t AddService(const config::Service& def);
  struct Changes {
    /// Restarted with a new definition: the process (if any) stops with its old stop_signal,
    /// then the service waits for its new dependencies' conditions and starts again.
    std::vector<std::pair<size_t, const config::Service*>> redefine;
    /// Stopped as on request, then tombstoned. Dependents first, as in a stack stop.
    std::vector<size_t> remove;
    /// Ids from AddService with their definitions, started in dependency order.
    std::vector<std::pair<size_t, const config::Service*>> start;
    /// Kept services that are not running (`up` starts them, as compose does): each starts
    /// as on request (OnStartRequested), its stopped required dependencies first.
    std::vector<size_t> wake;
  };
  /// Applies a reload: redefinitions, removals, starts, then wakes. Refused (a log line, no change)
  /// once the stack is stopping.
  std::vector<Action> OnApply(const Changes& changes, base::TimePoint now);

  /// The id of a service that is not removed.
  std::optional<size_t> Find(std::string_view name) const;
  const config::Service& definition(size_t service) const { return *defs_[service]; }
  bool removed(size_t service) const { return states_[service].removed; }

  ServiceStatus Status(size_t service) const;

  Phase phase(size_t service) const { return states_[service].phase; }
  bool stopping() const { return stopping_; }
  size_t size() const { return states_.size(); }
  /// Dependency conditions evaluated so far: a measure of the Plan's work, for tests.
  size_t condition_checks() const { return condition_checks_; }

 private:
  struct State {
    Phase phase = Phase::kWaiting;
    bool alive = false;          // a process of this service exists and was not reaped
    bool spawn_pending = false;  // Spawn emitted, OnSpawned/OnSpawnFailed not yet received
    bool ever_started = false;   // in this run of it (a start on request begins a new one)
    bool post_start_done = false;  // in this run: its post_start hooks ended (or it has none)
    bool ran = false;            // a process of it ever started: Status() has a started_at
    bool ever_healthy = false;
    bool healthy_this_run = false;  // since the current process started
    bool restart_on_exit = false;  // killed for being unhealthy: restart when it exits
    bool never_healthy = false;
    bool held = false;           // kBackoff: its restart waits for a dependency to finish starting
    config::Duration restart_delay{};  // of the backoff it is in; a held restart re-checks as often
    int restarts = 0;
    int consecutive = 0;         // restarts since it last stayed up reset_after
    base::TimePoint started_at{};
    base::TimePoint healthy_at{};  // when it first turned healthy in this run
    std::string failure;         // why it failed for good
    // What Status() shows beyond the phase.
    pid_t pid = -1;
    Health health = Health::kNone;
    std::optional<base::TimePoint> ready_at;
    std::optional<int> last_exit_code;
    std::string last_exit;
    std::optional<base::TimePoint> last_exit_at;
    // Per-service commands.
    bool stopped_by_request = false;
    bool stop_marked = false;       // a stop on request is decided (maybe waiting for dependents)
    size_t stop_waits = 0;          // dependents it waits for before its own stop signal
    size_t stop_edges = 0;          // its dependency edges with Edge::stop_wait set
    bool start_after_stop = false;  // restart: spawn again as soon as it exited
    bool kill_requested = false;    // signalled on request: its exit is a stop on request
    bool restart_dependents = false;  // restarted on request: restart its restart:true dependents
    bool fail_on_exit = false;      // stay_up: stopped because a required dependency failed
    std::optional<config::Duration> grace;  // the stop's timeout when a command gave one
    std::optional<config::Duration> armed_grace;  // the requested timeout of the kill timer
    size_t visit = 0;               // the command that last visited it (see command_)
    // Reload.
    bool removed = false;           // no longer in the manifest: stopped, then a tombstone
    bool detached = false;          // a removed one's dependency edges are dropped
    bool reactivate_after_stop = false;  // redefined: wait for its new dependencies, then start
    // Bookkeeping kept current by Changed():
    size_t unsettled = 0;        // dependencies whose condition is not yet decided
    size_t blockers = 0;         // dependents not yet down (see `down`)
    bool down = false;           // terminal and every dependent down: nothing needs it
    bool counted_ready = false;
    bool counted_terminal = false;
    bool counted_requested = false;
    bool counted_gone = false;   // removed and terminal: left out of every count
    bool failure_spread = false;  // its dependents were told it failed for good
  };
  struct Edge {
    size_t service;
    const config::Dependency* dep;
    bool settled = false;        // the condition held (or an optional one failed)
    bool stop_wait = false;      // its dependency's requested stop waits for this one's exit
  };
  struct DependentEdge {
    size_t service;              // the dependent
    size_t edge;                 // index into dependencies_[service]
  };

  // Graph bookkeeping (plan_graph.cc).
  void Changed(size_t index);
  void Propagate(size_t index);
  void Recount(size_t index);
  void MarkDown(size_t index);
  void NotifyDependents(size_t index);
  void SettleEdge(size_t index, size_t edge);
  void RequestStop(const std::string& reason);  // BeginStop(reason, 1) once propagation ends

  // Reload (plan_reload.cc).
  void AttachEdges(size_t index);
  void DetachEdges(size_t index);
  void Redefine(size_t index, const config::Service* def);
  void Remove(size_t index);
  void StartNew(size_t index);
  size_t Live() const { return states_.size() - gone_count_; }
  const config::Service& Def(size_t index) const { return *defs_[index]; }

  void Mark(size_t index);  // Changed() without the kChanged action: bookkeeping only
  void Undown(size_t index);
  void Release(size_t index);

  // Per-service commands (plan_commands.cc).
  bool Refused(size_t index, const char* command);
  void CollectStop(size_t index, std::optional<config::Duration> grace);
  void ActivateDependencies(size_t index);
  void Activate(size_t index, bool requested);
  void Reactivate(size_t index);
  void Respawn(size_t index);
  void RestartOne(size_t index, std::optional<config::Duration> grace);
  void RestartDependents(size_t index);
  config::Duration GraceFor(size_t index);

  void TryStart(size_t index);
  // nullopt: wait; true: satisfied; false: failed (failure text in *why).
  std::optional<bool> Condition(const Edge& edge, std::string* why);
  void StopOne(size_t index);
  void BeginStop(const std::string& reason, int exit_code);
  void AfterExit(size_t index, bool success, int code, base::TimePoint now);
  void RestartWaitingDependents(size_t index);
  // A failed dependent's restart, as its dependencies decide it (plan.cc).
  std::optional<size_t> HealthySince(size_t index, base::TimePoint since) const;
  std::optional<size_t> StillStarting(size_t index) const;
  void CheckAllReady();
  void CheckFinished();
  bool Terminal(size_t index) const;
  bool Ready(size_t index) const;

  void Log(size_t index, const std::string& text);
  void LogGlobal(const std::string& text);
  void Emit(Action action) { out_.push_back(std::move(action)); }
  std::vector<Action> Take();

  std::vector<const config::Service*> defs_;  // by id; never renumbered
  std::unordered_map<std::string, size_t> ids_;  // name -> id, tombstones too
  size_t gone_count_ = 0;
  PlanOptions options_;
  std::vector<State> states_;
  std::vector<std::vector<Edge>> dependencies_;  // per service: what it waits for
  std::vector<std::vector<DependentEdge>> dependents_;  // per service: who waits for it
  std::vector<size_t> changed_;  // services whose change is not yet propagated
  bool propagating_ = false;
  std::string pending_stop_;
  size_t ready_count_ = 0;
  size_t terminal_count_ = 0;
  size_t condition_checks_ = 0;
  std::vector<Action> out_;
  bool stopping_ = false;
  bool force_killed_ = false;
  bool all_ready_sent_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  bool exit_code_fixed_ = false;  // --exit-code-from decided it
  base::TimePoint now_{};         // the time of the event being handled
  std::optional<config::Duration> stack_grace_;  // the stack stop's requested timeout
  size_t requested_stopped_ = 0;  // terminal and stopped on request: the stack stays up
  size_t command_ = 0;            // numbers each command's graph walk (State::visit)
};

}  // namespace stackvisor::supervisor
