#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace stackvisor::procs {

/// Credentials a child drops to before exec (only when stackvisor runs as root).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;  // for error messages only; empty for a uid without a passwd entry
};

/// SpawnSpec is everything needed to start one child; it is fully resolved in the parent
/// (argv[0] looked up on the child's PATH, users turned into ids) because only async-signal-safe
/// calls are allowed between fork and exec.
struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up on env's PATH
  std::vector<std::string> env;   // KEY=VALUE, the child's whole environment
  std::string working_dir;        // empty: inherit
  std::optional<Credentials> credentials;
  bool capture_output = true;     // stdout/stderr as two pipes; otherwise /dev/null
  // The cgroup.procs of the service's cgroup (procs::ServiceCgroup), or empty. Spawn opens it
  // for this child only (no fd per service is held: 9,000 services must fit the fd limit); the
  // child writes "0" into it first, so it and all it starts are contained from exec on.
  std::string cgroup_procs;
};

}  // namespace stackvisor::procs
