#include "supervisor/service.h"

#include <unistd.h>

#include <csignal>
#include <map>

#include "healthcheck/notify_listener.h"
#include "healthcheck/probe.h"
#include "procs/children.h"
#include "procs/spawner.h"
#include "supervisor/service_sockets.h"
#include "supervisor/container_files.h"
#include "supervisor/spawn_spec_builder.h"

namespace stackvisor::supervisor {

/// One process of the service and its two pipes. Kept until it has been reaped and both pipes
/// reached EOF, so lines written just before an exit (or by a restart's predecessor) are kept.
struct Service::Run {
  pid_t pid = -1;
  bool exited = false;
  std::unique_ptr<logmux::LogStream> out_stream;
  std::unique_ptr<logmux::LogStream> err_stream;
  std::unique_ptr<base::PipeReader> out;
  std::unique_ptr<base::PipeReader> err;

  bool Drained() const { return (!out || out->ended()) && (!err || err->ended()); }
};

Service::Service(ServiceContext& context, const config::Service& config, int log_source,
                 Callbacks callbacks)
    : context_(context),
      config_(&config),
      // Before the prober: an exec probe's spec is built now, and its children belong in here too.
      cgroup_(context.containment != nullptr ? context.containment->Find(config.name) : nullptr),
      log_source_(log_source),
      callbacks_(std::move(callbacks)),
      restart_timer_(context.loop),
      kill_timer_(context.loop),
      hooks_(context.loop, *context.reaper, *context.mux, log_source) {
  MakeProber();
}

void Service::MakeProber() {
  const auto& check = config_->healthcheck;
  log_matcher_.reset();
  prober_.reset();
  if (check.kind == config::ProbeKind::kLog)
    log_matcher_ = std::make_unique<healthcheck::LogMatcher>(check.log_regex);
  if (check.kind != config::ProbeKind::kNone) {
    prober_ = std::make_unique<healthcheck::Prober>(
        context_.loop, check, MakeActiveProbe(),
        [this](healthcheck::Prober::Event event, const std::string& detail) {
          callbacks_.on_probe(event, detail);
        });
  }
}

void Service::Redefine(const config::Service& config) {
  pending_ = &config;
  if (pid_ <= 0) {
    // No process: nothing reads the old prober or matcher any more.
    config_ = std::exchange(pending_, nullptr);
    MakeProber();
  }
}

Service::~Service() {
  if (pid_ > 0) context_.reaper->Forget(pid_);
  for (auto& run : runs_)
    if (!run->exited) context_.reaper->Forget(run->pid);
}

procs::SpawnSpec Service::BuildSpec(const SpawnOverrides& overrides) const {
  procs::SpawnSpec spec =
      BuildSpawnSpec(*config_, context_.base_environment, geteuid() == 0, overrides);
  if (config_->healthcheck.kind == config::ProbeKind::kNotify && context_.notify != nullptr) {
    std::erase_if(spec.env, [](const std::string& kv) { return kv.rfind("NOTIFY_SOCKET=", 0) == 0; });
    spec.env.push_back("NOTIFY_SOCKET=" + context_.notify->socket_address());
  }
  if (cgroup_ != nullptr) spec.cgroup_procs = cgroup_->procs_path();
  if (spec.container)
    AddGeneratedFiles(*config_, ContainerFilesDir(context_.container_files_dir), *spec.container);
  return spec;
}

base::Result<procs::SpawnSpec> Service::BuildContainerSpec(const SpawnOverrides& overrides) const {
  procs::SpawnSpec spec = BuildSpec(overrides);
  if (spec.container) {
    // Directories and generated files exist before the child binds them; hooks and probes,
    // which run while the process does, bind the same files.
    auto prepared = PrepareContainerFiles(*config_, ContainerFilesDir(context_.container_files_dir),
                                          geteuid() == 0);
    if (!prepared.ok()) return prepared.error();
  }
  return spec;
}

// A hook runs as `exec` into the service would: the service's spec, with the hook's own.
procs::SpawnSpec Service::HookSpec(const config::Hook& hook) const {
  SpawnOverrides overrides;
  overrides.argv = hook.command;
  overrides.environment = hook.environment;
  overrides.user = hook.user;
  overrides.working_dir = hook.working_dir;
  return BuildSpec(overrides);
}

std::vector<pid_t> Service::Pids() const {
  if (cgroup_ != nullptr) return cgroup_->Pids();
  if (pid_ <= 0) return {};
  return procs::ListGroup(pid_);
}

std::unique_ptr<healthcheck::ActiveProbe> Service::MakeActiveProbe() {
  const auto& check = config_->healthcheck;
  switch (check.kind) {
    case config::ProbeKind::kExec: {
      procs::SpawnSpec spec = BuildSpec();
      spec.argv = check.exec_argv;
      spec.capture_output = false;
      return healthcheck::MakeExecProbe(context_.loop, *context_.reaper, std::move(spec));
    }
    case config::ProbeKind::kTcp:
      return healthcheck::MakeTcpProbe(context_.loop, check.tcp_host, check.tcp_port);
    case config::ProbeKind::kHttp:
      return healthcheck::MakeHttpProbe(context_.loop, check.http_url);
    default:
      return nullptr;  // log and notify are passive: the Prober only keeps the deadline
  }
}

base::Result<pid_t> Service::Spawn() {
  if (pending_ != nullptr) {
    config_ = std::exchange(pending_, nullptr);
    MakeProber();
  }
  auto built = BuildContainerSpec();
  if (!built.ok()) return built.error();
  procs::SpawnSpec spec = std::move(built.value());
  if (!config_->sockets.empty() && context_.sockets != nullptr) {
    // Open since `up` began unless the service was down for good (then closed): reopened here.
    auto sockets = context_.sockets->Ensure(*config_);
    if (!sockets.ok()) return sockets.error();
    spec.listen_fds = context_.sockets->FdsFor(*config_);
    spec.listen_fd_names = context_.sockets->NamesFor(*config_);
  }
  auto spawned = procs::Spawn(spec);
  if (!spawned.ok()) return spawned.error();
  auto run = std::make_unique<Run>();
  Run* raw = run.get();
  raw->pid = spawned.value().pid;
  raw->out_stream = std::make_unique<logmux::LogStream>(*context_.mux, log_source_);
  raw->err_stream = std::make_unique<logmux::LogStream>(*context_.mux, log_source_,
                                                       logmux::Stream::kStderr);
  auto make_reader = [this, raw](base::UniqueFd fd, logmux::LogStream* stream) {
    auto reader = std::make_unique<base::PipeReader>(
        context_.loop, std::move(fd), [stream](std::string_view chunk) { stream->Feed(chunk); },
        [this, stream, raw](int) {
          stream->Finish();
          if (raw->exited && raw->Drained()) context_.request_sweep(*this);
        });
    // A log probe must see its line the moment it is written; every other stream may batch.
    reader->Coalesce(!log_matcher_);
    if (context_.paused) {
      reader->Throttle(true);
      reader->Pause();
    }
    return reader;
  };
  raw->out = make_reader(std::move(spawned.value().stdout_read), raw->out_stream.get());
  raw->err = make_reader(std::move(spawned.value().stderr_read), raw->err_stream.get());
  if (log_matcher_) {
    auto observer = [this, raw](std::string_view line) {
      if (raw->pid == pid_ && prober_->awaiting_ready() && log_matcher_->Matches(line))
        prober_->ReportReady();
      if (raw->pid != pid_ || !prober_->awaiting_ready()) {
        // This run's readiness is settled: its lines go back to the batched path.
        for (auto* stream : {raw->out_stream.get(), raw->err_stream.get()})
          stream->SetObserver(nullptr);
        for (auto* reader : {raw->out.get(), raw->err.get()})
          if (reader) reader->Coalesce(true);
      }
    };
    raw->out_stream->SetObserver(observer);
    raw->err_stream->SetObserver(observer);
  }
  pid_ = raw->pid;
  context_.reaper->Watch(pid_, [this, raw](procs::WaitStatus status) {
    OnProcessExit(raw, status);
  });
  if (config_->healthcheck.kind == config::ProbeKind::kNotify && context_.notify != nullptr) {
    pid_t pid = pid_;
    context_.notify->Watch(pid, [this, pid](std::string_view key, std::string_view value) {
      if (key == "READY" && value == "1" && pid == pid_) OnReadinessSignal();
    });
  }
  runs_.push_back(std::move(run));
  if (prober_) prober_->Start();
  if (!config_->post_start.empty()) {
    const pid_t pid = pid_;
    hooks_.Run("post_start", config_->post_start,
               [this](const config::Hook& hook) { return HookSpec(hook); },
               [this, pid](const std::string& failure) {
                 if (pid != pid_) return;
                 if (failure.empty()) {
                   if (callbacks_.on_post_start_done) callbacks_.on_post_start_done();
                   return;
                 }
                 // As compose fails the container's start: the process goes, and the restart
                 // policy decides what follows.
                 callbacks_.on_event(failure + "; killing the service's process");
                 procs::SignalGroup(pid, SIGKILL);
               });
  }
  return pid_;
}

void Service::OnReadinessSignal() {
  if (prober_) prober_->ReportReady();
}

void Service::OnProcessExit(Run* run, procs::WaitStatus status) {
  run->exited = true;
  if (run->pid == pid_) {
    pid_ = -1;
    if (prober_) prober_->Stop();
    hooks_.Cancel();  // a hook of a process that is gone has nothing left to act on
  }
  if (context_.notify != nullptr) context_.notify->Forget(run->pid);
  // Whatever is left in its group (workers of a killed master) goes with it, as in a container,
  // so a restart finds its port free and nothing outlives the service.
  ::kill(-run->pid, SIGKILL);
  callbacks_.on_exit(status);
  if (run->Drained()) context_.request_sweep(*this);
}

void Service::Signal(int signal) {
  if (signal == SIGKILL) hooks_.Cancel();
  if (pid_ > 0) procs::SignalGroup(pid_, signal);
}

void Service::Stop(int signal) {
  if (config_->pre_stop.empty() || pid_ <= 0) return Signal(signal);
  const pid_t pid = pid_;
  hooks_.Run("pre_stop", config_->pre_stop,
             [this](const config::Hook& hook) { return HookSpec(hook); },
             [this, pid, signal](const std::string& failure) {
               if (!failure.empty()) callbacks_.on_event(failure + "; stopping it anyway");
               if (pid == pid_) Signal(signal);
             });
}

void Service::StartTimer(TimerKind timer, config::Duration delay) {
  base::Timer& t = timer == TimerKind::kRestart ? restart_timer_ : kill_timer_;
  t.Start(delay, [this, timer] { callbacks_.on_timer(timer); });
}

void Service::CancelTimer(TimerKind timer) {
  (timer == TimerKind::kRestart ? restart_timer_ : kill_timer_).Stop();
}

void Service::SetPaused(bool paused) {
  for (auto& run : runs_) {
    for (auto* reader : {run->out.get(), run->err.get()}) {
      if (!reader) continue;
      reader->Throttle(paused);
      if (paused) reader->Pause();
      else reader->Resume();
    }
  }
}

void Service::SetThrottled(bool throttled) {
  for (auto& run : runs_) {
    for (auto* reader : {run->out.get(), run->err.get()})
      if (reader) reader->Throttle(throttled);
  }
}

void Service::SweepRuns() {
  runs_.remove_if([](const std::unique_ptr<Run>& run) { return run->exited && run->Drained(); });
}

bool Service::drained() const {
  for (const auto& run : runs_)
    if (!run->Drained()) return false;
  return true;
}

void Service::KillContained() {
  if (cgroup_ != nullptr) cgroup_->Kill();
}

void Service::AbandonPipes() {
  for (auto& run : runs_) {
    if (run->out && !run->out->ended()) run->out_stream->Finish();
    if (run->err && !run->err->ended()) run->err_stream->Finish();
    run->out.reset();
    run->err.reset();
  }
}

}  // namespace stackvisor::supervisor
