#include "app/project_client.h"

#include <iostream>

#include "app/commands.h"
#include "config/loader.h"
#include "control/runtime_dir.h"

namespace stackvisor::app {

std::optional<ProjectTarget> LocateProject(const Invocation& inv, bool warn_unavailable) {
  // A running stack never has a service whose image has no recipe and no command (`up`
  // refuses it, or leaves it out with --ignore-unavailable): leave it out here too, as compose's
  // down/stop/exec never need an image, or `down` could not stop what `up --ignore-unavailable`
  // started. Saying so is the job of `up`, `config` and `run` (which may start services).
  Invocation located = inv;
  located.load.ignore_unavailable = true;
  located.load.ignore_unavailable_quietly = !warn_unavailable;
  auto manifest = LoadManifest(located);
  if (!manifest) return std::nullopt;
  ProjectTarget target;
  target.runtime_dir = control::ChooseRuntimeDir(
      control::RuntimeDirInputsFromEnv(manifest->name, manifest->project_directory));
  target.socket_path = control::ApiSocketPath(target.runtime_dir);
  target.manifest = std::move(*manifest);
  return target;
}

std::optional<ProjectTarget> LocateRunningProject(const Invocation& inv) {
  auto id = config::FindProjectIdentity(inv.load);
  if (!id) return LocateProject(inv);
  ProjectTarget target;
  target.runtime_dir =
      control::ChooseRuntimeDir(control::RuntimeDirInputsFromEnv(id->name, id->project_directory));
  target.socket_path = control::ApiSocketPath(target.runtime_dir);
  target.manifest.name = std::move(id->name);
  target.manifest.project_directory = std::move(id->project_directory);
  target.manifest.files = std::move(id->files);
  return target;
}

std::unique_ptr<control::Client> MakeClient(const ProjectTarget& target) {
  return std::make_unique<control::Client>(target.socket_path, target.manifest.name);
}

void PrintClientError(const base::Error& error) {
  std::cerr << "stackvisor: " << error.message << "\n";
  if (error.message.rfind("no stack is running", 0) == 0)
    std::cerr << "hint: start it with `stackvisor up -d` (or `stackvisor up`) in this project\n";
}

}  // namespace stackvisor::app
