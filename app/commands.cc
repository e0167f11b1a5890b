#include "app/commands.h"

#include <unistd.h>
#include <uv.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "app/detach.h"
#include "app/detach_wait.h"
#include "app/process_setup.h"
#include "app/quiet_trim.h"
#include "app/up_apply.h"
#include "config/byte_size.h"
#include "config/service_hash.h"
#include "config/replicas.h"
#include "control/api.h"
#include "control/runtime_dir.h"
#include "supervisor/container_preflight.h"
#include "procs/containment.h"
#include "procs/guardian.h"
#include "procs/pid_namespace.h"
#include "supervisor/port_preflight.h"
#include "supervisor/supervisor.h"
#include "watch/watcher.h"

namespace stackvisor::app {

std::optional<config::Manifest> LoadManifest(const Invocation& inv) {
  config::LoadResult result = config::Load(inv.load);
  for (const auto& d : result.diagnostics) std::cerr << d.Format() << "\n";
  if (!result.manifest) {
    std::cerr << "stackvisor: the manifest is invalid; nothing was started\n";
    return std::nullopt;
  }
  return std::move(result.manifest);
}

int RunConfig(const Invocation& inv) {
  // No handlers here: a stop signal should end a `config` run the ordinary way.
  UnblockStopSignals();
  auto manifest = LoadManifest(inv);
  if (!manifest) return 2;
  if (inv.quiet) return 0;
  if (!inv.config_hash.empty()) {
    // compose's `config --hash`: what a reload compares, one service per line.
    std::vector<std::string> names;
    if (inv.config_hash == "*") {
      for (const auto& svc : manifest->services) names.push_back(svc.name);
    } else {
      for (size_t start = 0; start <= inv.config_hash.size();) {
        size_t comma = inv.config_hash.find(',', start);
        if (comma == std::string::npos) comma = inv.config_hash.size();
        if (comma > start) names.push_back(inv.config_hash.substr(start, comma - start));
        start = comma + 1;
      }
    }
    for (const auto& name : names) {
      const config::Service* svc = manifest->Find(name);
      if (svc == nullptr) {
        std::cerr << "stackvisor: config --hash: no such service: " << name << "\n";
        return 2;
      }
      std::cout << svc->name << " " << config::ServiceHash(*svc) << "\n";
    }
    return 0;
  }
  if (inv.list_services) {
    for (const auto& name : config::StartOrder(*manifest)) std::cout << name << "\n";
    return 0;
  }
  std::cout << config::EmitYaml(*manifest);
  return 0;
}

namespace {

// Keeps only the services to run: those named on the command line and what they depend on.
bool SelectServices(const Invocation& inv, config::Manifest& manifest) {
  if (inv.load.services.empty()) return true;
  std::vector<std::string> wanted;  // a group name means all its replicas
  for (const auto& name : inv.load.services) {
    auto found = config::ResolveServiceName(manifest, name);
    if (found.empty()) {
      std::cerr << "stackvisor: no such service: " << name << "\n";
      return false;
    }
    for (size_t i : found) wanted.push_back(manifest.services[i].name);
  }
  auto keep = config::WithDependencies(manifest, wanted);
  std::vector<config::Service> selected;
  for (auto& svc : manifest.services) {
    for (const auto& k : keep)
      if (k == svc.name) selected.push_back(svc);
  }
  manifest.services = std::move(selected);
  return true;
}

// `up -d`: forks the daemon. In the foreground, waits for the stack and gives the exit code;
// in the daemon, gives nullopt and the reporter to announce the start with.
std::optional<int> Detach(const Invocation& inv, const config::Manifest& manifest,
                          const std::filesystem::path& runtime_dir, StartupReporter& reporter) {
  if (auto error = control::MakePrivateDir(runtime_dir, geteuid())) {
    std::cerr << "stackvisor: " << error->message << "; nothing was started\n";
    return 1;
  }
  auto daemon = Daemonise(DaemonLogPath(runtime_dir));
  if (!daemon.ok()) {
    std::cerr << "stackvisor: " << daemon.error().message << "; nothing was started\n";
    return 1;
  }
  if (daemon.value().pid == 0) {
    reporter = std::move(daemon.value().reporter);
    return std::nullopt;
  }
  // A Ctrl-C here ends the wait, not the stack (which has its own session).
  UnblockStopSignals();
  return WaitForDetachedStack({daemon.value().pid, daemon.value().status.get(), runtime_dir,
                               manifest.name, inv.wait_timeout_s, OneShots(manifest)});
}

// STACKVISOR_WATCH_MAX_DIRS bounds the inotify watches one stack takes (default 8192).
watch::WatchOptions WatchOptionsFromEnv() {
  watch::WatchOptions options;
  if (const char* max = std::getenv("STACKVISOR_WATCH_MAX_DIRS")) {
    char* end = nullptr;
    unsigned long value = std::strtoul(max, &end, 10);
    if (end != max && *end == '\0' && value > 0) options.max_directories = value;
  }
  return options;
}

// A port in use, or one the user may not bind, stops `up` before anything starts: with no
// network namespace it would otherwise be one service failing after the others began.
bool PortsAreFree(const config::Manifest& manifest) {
  const auto problems = supervisor::CheckPorts(manifest.services, geteuid());
  for (const auto& p : problems) std::cerr << "stackvisor: " << supervisor::FormatPortProblem(p) << "\n";
  if (problems.empty()) return true;
  std::cerr << "stackvisor: " << (problems.size() == 1 ? "a port" : "ports")
            << " cannot be bound; nothing was started\n";
  return false;
}

bool HasWatchRules(const config::Manifest& manifest) {
  for (const auto& service : manifest.services)
    if (!service.watch.empty()) return true;
  return false;
}

}  // namespace

int RunUp(const Invocation& inv) {
  auto manifest = LoadManifest(inv);
  if (!manifest) return 2;
  if (!SelectServices(inv, *manifest)) return 2;
  if (inv.watch && !HasWatchRules(*manifest)) {
    std::cerr << "stackvisor: none of the selected services has develop.watch rules: nothing "
                 "to watch; nothing was started\n";
    return 2;
  }

  supervisor::SupervisorOptions options;
  options.format.timestamps = inv.timestamps;
  options.plan.abort_on_exit = inv.abort_on_exit;
  if (inv.log_lines) options.log_limits.max_lines = *inv.log_lines;
  if (!inv.log_bytes.empty()) {
    auto bytes = config::ParseByteSize(inv.log_bytes);
    if (!bytes || *bytes > logmux::RingLimits::kMaxBytesLimit) {
      std::cerr << "stackvisor: --log-bytes: expected a size from 1 to 1g such as 512k or 4m, "
                   "got '" << inv.log_bytes << "'\n";
      return 2;
    }
    options.log_limits.max_bytes = static_cast<size_t>(*bytes);
  }
  if (!inv.exit_code_from.empty()) {
    auto found = config::ResolveServiceName(*manifest, inv.exit_code_from);
    if (found.size() > 1) {
      // Whose exit code would it be? Compose takes one container's; make the user say which.
      std::cerr << "stackvisor: --exit-code-from: " << inv.exit_code_from << " has "
                << found.size() << " replicas: name one, such as "
                << manifest->services[found.front()].name << "\n";
      return 2;
    }
    if (found.empty()) {
      std::cerr << "stackvisor: --exit-code-from: no such service: " << inv.exit_code_from
                << "\n";
      return 2;
    }
    options.plan.exit_code_from = found.front();
  }

  const bool detach = inv.detach || inv.wait || inv.wait_timeout_s.has_value();
  if (detach && (inv.abort_on_exit || !inv.exit_code_from.empty())) {
    std::cerr << "stackvisor: -d/--wait cannot be combined with --abort-on-exit or "
                 "--exit-code-from (nobody would see the exit code)\n";
    return 2;
  }
  auto runtime_dir = control::ChooseRuntimeDir(
      control::RuntimeDirInputsFromEnv(manifest->name, manifest->project_directory));
  // Already running: apply the files to it rather than refusing (app/up_apply.h).
  if (auto applied = ApplyToRunningStack(inv, *manifest, runtime_dir)) return *applied;
  if (inv.dry_run) return PrintStartPlan(*manifest);
  // Private mount namespaces: one clear refusal before anything starts, not one per spawn.
  if (auto why = supervisor::ProbeContainerViews(*manifest, geteuid() == 0)) {
    std::cerr << "stackvisor: " << supervisor::ContainerPreflightMessage(*manifest, *why)
              << "\nnothing was started\n";
    return 2;
  }
  if (auto missing = supervisor::MissingBindSources(*manifest); !missing.empty()) {
    for (const auto& line : missing) std::cerr << line << "\n";
    std::cerr << "stackvisor: nothing was started\n";
    return 1;
  }
  if (!PortsAreFree(*manifest)) return 1;
  options.load = inv.load;  // SIGHUP and the API reload the same files the same way
  StartupReporter reporter;
  if (detach) {
    // First of all, so the daemon is the whole stack: guardian, PID-namespace relay, threads.
    if (auto foreground_code = Detach(inv, *manifest, runtime_dir, reporter))
      return *foreground_code;
    options.plan.stay_up = true;  // until `down`, even once every service has ended
  }
  const char* no_color = std::getenv("NO_COLOR");
  options.format.color = !inv.no_color && (no_color == nullptr || *no_color == '\0') &&
                         isatty(STDOUT_FILENO) == 1;

  // Before the guardian, which must know the stack cgroup to clean it up after us.
  const char* forced = std::getenv("STACKVISOR_CONTAINMENT");
  bool process_groups = forced != nullptr && std::string(forced) == "process-groups";
  auto containment = process_groups
                         ? procs::Containment::Disabled("STACKVISOR_CONTAINMENT=process-groups")
                         : procs::Containment::Create();
  if (!containment->active() && !process_groups) {
    // No cgroup: the kernel's next best containment. Before the guardian and any thread; the
    // caller stays outside as a relay and ends here, with the inner's exit code.
    auto ns = procs::EnterPidNamespace(StopSignals());
    if (ns.where == procs::PidNamespaceOutcome::Where::kOuterDone) return ns.exit_code;
    if (ns.where == procs::PidNamespaceOutcome::Where::kInner)
      containment->NotePidNamespace(ns.user_namespace);
    else
      containment->NoteNoPidNamespace(ns.why);
  }
  PrepareProcess();
  options.containment = containment.get();
  // Forked before any thread exists; it cleans up if stackvisor itself is killed.
  auto guardian = procs::Guardian::Start(containment->stack_path());
  if (guardian.ok()) {
    options.run_marker = guardian.value().marker();
    options.guardian = &guardian.value();
    // An empty stack cgroup then means its run is over (see Containment).
    containment->Adopt(guardian.value().pid());
  } else {
    containment = procs::Containment::Disabled("no guardian to clean up after a killed stackvisor");
    options.containment = containment.get();
    std::cerr << "stackvisor: " << guardian.error().message
              << " (services may outlive a killed stackvisor)\n";
  }
  // Socket activation: every listening socket is open before the first service starts, so an
  // address in use stops the stack here, with nothing started.
  supervisor::ServiceSockets sockets(geteuid() == 0);
  if (auto opened = sockets.OpenAll(*manifest); !opened.ok()) {
    std::cerr << "stackvisor: " << opened.error().message << "; nothing was started\n";
    if (reporter.active()) reporter.Failed(opened.error().message);
    return 1;
  }
  options.sockets = &sockets;
  options.container_files_dir = (runtime_dir / "container").string();
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code;
  {
    // Moved, not copied: the supervisor owns it from here on (a copy cost 9,000 services' RSS).
    supervisor::Supervisor supervisor(&loop, std::move(*manifest), options);
    control::Api api(supervisor);
    bool busy = false;
    if (auto error = api.Start(runtime_dir, supervisor.manifest().name, &busy)) {
      if (reporter.active()) {
        // Detached, the API is the only way to wait for the stack or to stop it.
        std::cerr << "stackvisor: " << error->message << "; nothing was started\n";
        reporter.Failed(error->message);
        return 1;
      }
      if (busy) {
        std::cerr << "stackvisor: " << error->message << "; nothing was started\n";
        return 1;
      }
      // A project directory nobody may write (and no $XDG_RUNTIME_DIR) must not stop a stack
      // from running: it runs without its API, and says so.
      std::cerr << "stackvisor: " << error->message
                << " (running without the control API; set STACKVISOR_RUNTIME_DIR)\n";
    }
    std::unique_ptr<watch::Watcher> watcher;  // destroyed before the supervisor
    if (inv.watch) {
      watcher = std::make_unique<watch::Watcher>(supervisor, WatchOptionsFromEnv());
      watcher->Start();
    }
    // Its signal watchers exist now: a stop signal that arrived since main began is delivered
    // to them, and Run() handles it as the stop request it is.
    UnblockStopSignals();
    reporter.Started();
    DropStartupText();
    QuietTrim trim(&loop);  // from here on, each quiet spell gives the code pages back
    code = supervisor.Run();
  }
  // Let every closed handle's callback run, then the loop must be empty.
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) std::cerr << "stackvisor: internal: handles left open\n";
  return code;
}

}  // namespace stackvisor::app
