#pragma once
// The one place a service's process is described: `up` (every start), `exec` and `run` build
// their spawn spec here, so the three cannot disagree on environment, user or working dir.
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"
#include "procs/spawn_spec.h"

namespace stackvisor::supervisor {

/// What `exec`/`run` change about a service's process; `up` passes none.
struct SpawnOverrides {
  std::optional<std::vector<std::string>> argv;  // replaces the command (run CMD, exec CMD)
  std::vector<std::string> environment;          // KEY=VALUE (or KEY: removed), applied last
  std::optional<config::User> user;              // -u
  std::optional<std::string> working_dir;        // -w
};

/// The service's environment (stackvisor's own base environment, then what login sets for its
/// user when dropping privileges, then its own `environment`, then the overrides), argv, working
/// dir and credentials. Pure: `drop_privileges` says whether the caller runs as root (only root
/// can switch users); the notify socket and the cgroup are the caller's to add.
/// The child's private view of a service's container view (a volume is a bind of its
/// directory); `root`: stackvisor runs as root, otherwise through a user namespace. The
/// generated /etc files are added by PrepareContainerFiles (supervisor/container_files.h).
procs::ContainerSpec BuildContainerSpec(const config::ContainerView& view, bool root);

procs::SpawnSpec BuildSpawnSpec(const config::Service& service,
                                const std::vector<std::string>& base_environment,
                                bool drop_privileges, const SpawnOverrides& overrides = {});

}  // namespace stackvisor::supervisor
