#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace stackvisor::procs {

/// How many listening sockets one child can be given (SpawnSpec::listen_fds).
inline constexpr size_t kMaxListenFds = 16;

/// Credentials a child drops to before exec (only when stackvisor runs as root).
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;  // for error messages only; empty for a uid without a passwd entry
};

/// One mount of a child's private mount namespace, at a container path.
struct MountSpec {
  enum class Kind { kBind, kTmpfs, kSymlink };
  Kind kind = Kind::kBind;
  std::string source;   // kBind: an existing absolute host path; kSymlink: the link's text
  std::string target;   // absolute, as the child sees it
  bool read_only = false;
  std::string options;  // kTmpfs: mount data ("size=64m,mode=1777"); may be empty
};

/// ContainerSpec describes the private view of the filesystem the child builds between clone
/// and exec: a root that creates nothing on the host, with each mount at its target (generated
/// /etc/hosts, /etc/passwd and /etc/group files come as kBind mounts over them). Resolved in
/// the parent like the rest of SpawnSpec.
struct ContainerSpec {
  bool user_namespace = false;  // an ordinary user: CLONE_NEWUSER, uid and gid mapped to themselves
  std::vector<MountSpec> mounts;
  std::string hostname;         // set in a new UTS namespace when not empty
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
  // Socket activation (the systemd protocol): these fds become the child's 3, 4, ... and its
  // environment gets LISTEN_FDS, LISTEN_FDNAMES (listen_fd_names joined by ':') and LISTEN_PID,
  // which only the child can know and so writes itself, after the clone. Borrowed: the caller
  // keeps them open across Spawn. At most kMaxListenFds.
  std::vector<int> listen_fds;
  std::vector<std::string> listen_fd_names;  // one per fd
  // A private mount namespace (image files and volumes at container paths, service names in
  // /etc/hosts). argv[0] is then looked up on env's PATH inside that view, by the child.
  std::optional<ContainerSpec> container;
};

}  // namespace stackvisor::procs
