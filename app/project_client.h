#pragma once
// How every verb that talks to a running stack finds it: the project `up` would run, from the
// same -f/--project-directory/working directory, and its runtime directory's socket.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/cli.h"
#include "config/manifest.h"
#include "control/client.h"

namespace stackvisor::app {

/// ProjectTarget is a project as the control verbs see it.
struct ProjectTarget {
  config::Manifest manifest;
  std::filesystem::path runtime_dir;
  std::filesystem::path socket_path;
};

/// Loads the manifest as `up` does (diagnostics to stderr) and finds the runtime directory.
/// nullopt (after printing why) when the manifest is invalid. Services whose image has no
/// recipe and no command are left out (as `--ignore-unavailable`), since no running stack can
/// have them; with a warning only if `warn_unavailable` (`run`).
std::optional<ProjectTarget> LocateProject(const Invocation& inv, bool warn_unavailable = false);

/// As LocateProject, but without loading the manifest when config::FindProjectIdentity can
/// name the project (the usual case): target.manifest then holds only name, project_directory
/// and files, no services. For the verbs that need nothing else (ps, logs, top), which must
/// answer quickly with 1,000 services; falls back to LocateProject.
std::optional<ProjectTarget> LocateRunningProject(const Invocation& inv);

/// The client for the project's socket; it connects on its first call.
std::unique_ptr<control::Client> MakeClient(const ProjectTarget& target);

/// Prints "stackvisor: <error>" and, for a stack that is not running, the hint to start one.
void PrintClientError(const base::Error& error);

}  // namespace stackvisor::app
