#include "app/commands.h"

#include <unistd.h>
#include <uv.h>

#include <cstdlib>
#include <iostream>

#include "app/process_setup.h"
#include "control/api.h"
#include "procs/containment.h"
#include "procs/guardian.h"
#include "procs/pid_namespace.h"
#include "supervisor/supervisor.h"

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
  for (const auto& name : inv.load.services) {
    if (manifest.Find(name) == nullptr) {
      std::cerr << "stackvisor: no such service: " << name << "\n";
      return false;
    }
  }
  auto keep = config::WithDependencies(manifest, inv.load.services);
  std::vector<config::Service> selected;
  for (auto& svc : manifest.services) {
    for (const auto& k : keep)
      if (k == svc.name) selected.push_back(svc);
  }
  manifest.services = std::move(selected);
  return true;
}

}  // namespace

int RunUp(const Invocation& inv) {
  auto manifest = LoadManifest(inv);
  if (!manifest) return 2;
  if (!SelectServices(inv, *manifest)) return 2;

  supervisor::SupervisorOptions options;
  const char* no_color = std::getenv("NO_COLOR");
  options.format.color = !inv.no_color && (no_color == nullptr || *no_color == '\0') &&
                         isatty(STDOUT_FILENO) == 1;
  options.format.timestamps = inv.timestamps;
  options.plan.abort_on_exit = inv.abort_on_exit;
  if (!inv.exit_code_from.empty()) {
    bool found = false;
    for (size_t i = 0; i < manifest->services.size(); ++i) {
      if (manifest->services[i].name == inv.exit_code_from) {
        options.plan.exit_code_from = i;
        found = true;
      }
    }
    if (!found) {
      std::cerr << "stackvisor: --exit-code-from: no such service: " << inv.exit_code_from
                << "\n";
      return 2;
    }
  }

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
  uv_loop_t loop;
  uv_loop_init(&loop);
  int code;
  {
    supervisor::Supervisor supervisor(&loop, *manifest, options);
    control::Api api(supervisor);
    auto runtime_dir = control::ChooseRuntimeDir(
        control::RuntimeDirInputsFromEnv(manifest->name, manifest->project_directory));
    bool busy = false;
    if (auto error = api.Start(runtime_dir, manifest->name, &busy)) {
      if (busy) {
        std::cerr << "stackvisor: " << error->message << "; nothing was started\n";
        return 1;
      }
      // A project directory nobody may write (and no $XDG_RUNTIME_DIR) must not stop a stack
      // from running: it runs without its API, and says so.
      std::cerr << "stackvisor: " << error->message
                << " (running without the control API; set STACKVISOR_RUNTIME_DIR)\n";
    }
    // Its signal watchers exist now: a stop signal that arrived since main began is delivered
    // to them, and Run() handles it as the stop request it is.
    UnblockStopSignals();
    code = supervisor.Run();
  }
  // Let every closed handle's callback run, then the loop must be empty.
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) std::cerr << "stackvisor: internal: handles left open\n";
  return code;
}

}  // namespace stackvisor::app
