#pragma once
// The pure half of a private mount namespace: which directories, binds and tmpfs mounts build
// a child's root, worked out in the parent from a ContainerSpec and what the host's
// filesystem holds, so the child only replays the steps (procs/container_setup.h).
#include <string>
#include <vector>

#include "base/result.h"
#include "procs/spawn_spec.h"

namespace stackvisor::procs {

/// Where the child finds the host's root once it has pivoted into its scaffold.
inline constexpr char kOldRoot[] = "/.oldroot";

/// HostFs answers the planner's questions about the host's filesystem. The real one (RealHostFs)
/// uses lstat/readlink/opendir; tests give a fake tree.
class HostFs {
 public:
  enum class Kind { kNone, kDir, kFile, kSymlink };
  struct Entry {
    std::string name;
    Kind kind = Kind::kNone;  // kFile covers every non-directory that is not a symlink
    std::string link;         // kSymlink: its text
  };
  virtual ~HostFs() = default;
  virtual Kind Lstat(const std::string& path) const = 0;
  virtual Kind Stat(const std::string& path) const = 0;  // through symlinks
  virtual std::string ReadLink(const std::string& path) const = 0;
  virtual base::Result<std::vector<Entry>> List(const std::string& dir) const = 0;
};

/// The host's own filesystem.
class RealHostFs final : public HostFs {
 public:
  Kind Lstat(const std::string& path) const override;
  Kind Stat(const std::string& path) const override;
  std::string ReadLink(const std::string& path) const override;
  base::Result<std::vector<Entry>> List(const std::string& dir) const override;
};

/// One step the child replays, in its new root, after pivoting into the scaffold tmpfs (the
/// host's root is then at kOldRoot). `what` names the step for the error message.
struct ContainerStep {
  enum class Op {
    kMkdir,           // target; an existing one is fine
    kTouch,           // an empty file at target, as a mount point; an existing one is fine
    kBind,            // recursive bind of source (under kOldRoot) at target
    kRemountReadOnly, // target's mount made read-only, keeping the flags it is locked with
    kTmpfs,           // a tmpfs at target, source holding its mount data
    kSymlink,         // target -> source
    kMkdirLike,       // target, with the mode (and, as root, the owner) of source: a scaffold
                      // of /tmp stays 1777, so a service's user can still write there
  };
  Op op = Op::kMkdir;
  std::string source;
  std::string target;
  std::string what;

  bool operator==(const ContainerStep&) const = default;
};

/// PlanContainer: a root that creates nothing on the host. The new root is a tmpfs holding
/// every top-level entry of the host's / (directories and files bound, symlinks recreated).
/// A target whose path does not exist on the host makes each existing directory on its way a
/// tmpfs "scaffold" of its own (its entries bound or recreated), so its missing directories
/// are made in tmpfs; a target inside an earlier mount is made inside that mount, as Docker
/// does. Mounts apply shallow first (stable), so a volume inside another lands on top. Errors
/// name the mount and path ("mount /srv/app/src at /src: No such file or directory").
base::Result<std::vector<ContainerStep>> PlanContainer(const ContainerSpec& spec,
                                                       const HostFs& fs);

/// The candidates the child tries to exec, in order, as execvp would search them inside its
/// new root: argv0 with a slash as is (relative to working_dir), else each PATH entry.
std::vector<std::string> ExecCandidates(const std::string& argv0, const std::string& path_env,
                                        const std::string& working_dir);

}  // namespace stackvisor::procs
