#pragma once
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::procs {

/// The cgroup2 mount point in /proc/self/mountinfo text (fstype "cgroup2"), if any.
std::optional<std::string> Cgroup2Mount(std::string_view mountinfo);
/// The "0::/path" entry of /proc/self/cgroup text: our cgroup inside the cgroup2 hierarchy.
std::optional<std::string> OwnCgroup2Path(std::string_view proc_self_cgroup);
/// A service name as a cgroup directory name: only [A-Za-z0-9_-] survive (no '.', so it can
/// never be mistaken for an interface file like cgroup.procs), everything else becomes '_'.
std::string CgroupName(std::string_view service);

/// KillCgroup kills every process in the cgroup at `dir` and below: `cgroup.kill` (kernel 5.14+),
/// else one pass of SIGKILL over cgroup.procs. Returns false when the cgroup could not be read.
bool KillCgroup(const std::string& dir);
/// True while a process is in the cgroup at `dir` or below (cgroup.events "populated 1").
bool CgroupPopulated(const std::string& dir);
/// The pids in the cgroup at `dir` itself (cgroup.procs), not in its children.
std::vector<pid_t> CgroupPids(const std::string& dir);
/// The child cgroup directories of `dir`.
std::vector<std::string> ChildCgroups(const std::string& dir);
/// Removes the stack cgroup at `stack` and its service cgroups, waiting (up to `wait_ms`) for
/// killed processes to leave them. If the calling process is in `stack` itself (the guardian),
/// it first moves itself to the parent cgroup. Returns true when `stack` is gone.
bool RemoveStackCgroup(const std::string& stack, int wait_ms);
/// Removes `dir` and the cgroups below it if all are empty; never signals anything.
bool RemoveEmptyCgroups(const std::string& dir);

/// ServiceCgroup is one service's cgroup v2 directory. A child moves itself in between fork and
/// exec by writing "0" into its cgroup.procs (SpawnSpec::cgroup_procs: async-signal safe, and
/// before exec, so nothing the service starts is ever outside it). Owned by Containment; not
/// copyable or movable.
class ServiceCgroup {
 public:
  explicit ServiceCgroup(std::string path) : path_(std::move(path)) {}
  ServiceCgroup(const ServiceCgroup&) = delete;
  ServiceCgroup& operator=(const ServiceCgroup&) = delete;

  const std::string& path() const { return path_; }
  std::string procs_path() const { return path_ + "/cgroup.procs"; }
  /// Every process of the service, wherever it moved in the process tree (top-like accounting).
  std::vector<pid_t> Pids() const { return CgroupPids(path_); }
  bool Populated() const { return CgroupPopulated(path_); }
  void Kill() const { KillCgroup(path_); }
  /// Sends `signal` to each process in it (once; callers repeat if they need to).
  void Signal(int signal) const;

 private:
  std::string path_;
};

/// Containment decides, once at start, how the stack's processes are contained: a cgroup v2
/// "stack cgroup" under stackvisor's own cgroup (`<mount><own>/stackvisor-<pid>-<random>/`),
/// holding the guardian, and `services/<name>/` below it, one cgroup per service (so the whole
/// stack is checked or killed with one file), when stackvisor may create one (root, or a
/// delegated subtree); otherwise process groups + the guardian's environment marker, with why.
/// The guardian is moved into the stack cgroup (Adopt), so an empty stack cgroup means its
/// owner and guardian are both gone: Create removes such leftovers of SIGKILLed runs.
/// Destroying it kills what is left in the service cgroups and removes them and the stack cgroup.
/// Used from the loop thread only; not copyable or movable.
class Containment {
 public:
  /// Never fails: without a usable cgroup v2 it is inactive and says why.
  static std::unique_ptr<Containment> Create();
  /// Inactive from the start (e.g. STACKVISOR_CONTAINMENT=process-groups), with `why`.
  static std::unique_ptr<Containment> Disabled(std::string why);
  ~Containment();
  Containment(const Containment&) = delete;
  Containment& operator=(const Containment&) = delete;

  bool active() const { return !stack_.empty(); }
  /// "cgroup v2 (/sys/fs/cgroup/unified/stackvisor-1234-...)",
  /// "PID namespace (user namespace; no writable cgroup v2: <why>)" or
  /// "process groups + environment marker (no writable cgroup v2: <why>)".
  std::string Describe() const;
  /// Inactive, but the stack runs in its own PID namespace (see EnterPidNamespace), which the
  /// kernel kills whole with its PID 1: Describe says so.
  void NotePidNamespace(bool user_namespace) { pid_namespace_ = user_namespace ? 2 : 1; }
  /// Inactive, and no PID namespace either: Describe adds `why` to the reason.
  void NoteNoPidNamespace(const std::string& why) { why_ += "; no PID namespace: " + why; }
  /// The stack cgroup's path; empty when inactive.
  const std::string& stack_path() const { return stack_; }
  /// Moves `pid` into the stack cgroup. This is also the test that cgroup.procs is writable:
  /// on failure the containment turns inactive, removes its cgroup and keeps the reason.
  void Adopt(pid_t pid);
  /// Creates the service's cgroup (nullptr when inactive); an error names the directory.
  base::Result<ServiceCgroup*> AddService(const std::string& name);
  /// The cgroup AddService made for `name`, or nullptr.
  ServiceCgroup* Find(const std::string& name) const;
  /// Every process in any service cgroup.
  std::vector<pid_t> Pids() const;
  bool Populated() const;
  void Signal(int signal) const;
  void Kill() const;

 private:
  Containment(std::string stack, std::string why)
      : stack_(std::move(stack)), why_(std::move(why)) {}
  void Deactivate(std::string why);

  std::string Services() const { return stack_ + "/services"; }

  std::string stack_;  // empty when inactive
  std::string why_;    // why it is inactive
  int pid_namespace_ = 0;  // 0: none, 1: a PID namespace, 2: inside a user namespace too
  std::vector<std::pair<std::string, std::unique_ptr<ServiceCgroup>>> services_;
  // Find's index, first cgroup of each name: each Service looks its own up, and a linear search
  // made that O(n^2) string compares for 9,000 services.
  std::unordered_map<std::string, ServiceCgroup*> by_name_;
};

}  // namespace stackvisor::procs
