#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/manifest.h"

namespace stackvisor::config {

struct LoadOptions {
  std::vector<std::string> files;          // -f, in order; empty: discover in cwd
  std::string project_directory;           // --project-directory; empty: first file's dir
  std::vector<std::string> profiles;       // --profile (COMPOSE_PROFILES is read too)
  std::vector<std::string> env_files;      // --env-file; empty: PROJECT_DIR/.env if present
  std::vector<std::string> services;       // services named on the command line
  std::map<std::string, std::string> environment;  // stackvisor's own environment
  std::string cwd;                         // where relative -f paths and discovery start
  // -p/--project-name: beats COMPOSE_PROJECT_NAME, the top-level `name` and the directory, as
  // in compose; it must already be a valid project name (it is not normalised).
  std::string project_name;
  // Whose privileges the services get (user: checks, STACKVISOR_STATE_HOME); unset: ours.
  // `export` sets 0: its units and jobs run under a root service manager, not this shell.
  std::optional<unsigned> euid;
  // `up --scale web=3` and `scale web=3`: replica counts that beat `deploy.replicas`/`scale:`.
  std::map<std::string, int> scale;
  // --ignore-unavailable: a service whose image has no recipe and no command is left out with a
  // warning instead of failing the load.
  bool ignore_unavailable = false;
  // With ignore_unavailable: leave such a service out without the warning. For the verbs that
  // act on a running stack (down, stop, exec, ...): it cannot have that service, so there is
  // nothing to tell.
  bool ignore_unavailable_quietly = false;
  // Whether image:/build: services become their recipes' native programs. `export` clears it:
  // Kubernetes and Nomad run the images themselves, and a systemd unit cannot show a service
  // its container paths yet; there a service keeps its command as written, as before.
  bool expand_images = true;
};

struct LoadResult {
  std::optional<Manifest> manifest;      // set only when there are no errors
  std::vector<Diagnostic> diagnostics;   // every error and warning, in file order
};

/// Load reads, interpolates, merges, applies profiles and validates. It never stops at the first
/// problem: every error is collected so the user fixes them all in one go.
LoadResult Load(const LoadOptions& options);

/// LoadFromString loads one manifest whose text is given instead of read from file_name;
/// file_name (relative to options.cwd) names it in diagnostics and gives the project
/// directory. options.files is ignored. For tests and fuzzing.
LoadResult LoadFromString(const std::string& text, const std::string& file_name,
                          const LoadOptions& options);

/// The project's identity: what finds a running stack's runtime directory.
struct ProjectIdentity {
  std::string name;
  std::string project_directory;  // absolute
  std::vector<std::string> files;  // absolute, in merge order
};

/// FindProjectIdentity names the project exactly as Load would (-p, COMPOSE_PROJECT_NAME from
/// the environment or the env files, the last file's top-level `name`, the directory) but reads
/// only the env files and each manifest's top-level `name`, nothing else: the control verbs
/// run against a stack that is already up and must answer quickly with 1,000 services.
/// nullopt when that cannot be decided without the full load (no file found, a file or env
/// file that cannot be read or parsed, a `name` that needs interpolation or is invalid): the
/// caller then runs Load, which reports why.
std::optional<ProjectIdentity> FindProjectIdentity(const LoadOptions& options);

/// EmitYaml prints the resolved manifest in compose form (for `stackvisor config`).
std::string EmitYaml(const Manifest& manifest);

/// StartOrder lists services so that every dependency comes before its dependents (ties keep
/// file order). The manifest is already known to be acyclic.
std::vector<std::string> StartOrder(const Manifest& manifest);

/// Closure returns the named services plus everything they depend on, in start order.
std::vector<std::string> WithDependencies(const Manifest& manifest,
                                          const std::vector<std::string>& names);

}  // namespace stackvisor::config
