// Why pivot_root into a tmpfs rather than an overlay of /: as an ordinary user, overlay of `/`
// fails in a user namespace ("failed to clone lowerpath": / carries locked submounts), while
// binds of each entry into a tmpfs work for both, so there is one path for root and users
// (bubblewrap's way). Why the child unshares instead of clone flags: the spawner's clone is
// shared (CLONE_VM|CLONE_VFORK|CLONE_FILES) and unshare(CLONE_NEWUSER|CLONE_NEWNS) only needs
// the caller to be a single-threaded process of its own, which the cloned child is.
#include "procs/container_setup.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "procs/child_code.h"

namespace stackvisor::procs {
namespace {

// Where the scaffold is mounted before the pivot; the host's /tmp stays reachable beneath it
// at kOldRoot/tmp once pivoted.
constexpr char kScaffoldBase[] = "/tmp";
constexpr char kPutOld[] = "/tmp/.oldroot";

// The flags a bind's read-only remount must keep: in a user namespace the kernel refuses to
// clear any flag the mount is locked with (nosuid, nodev, noexec, the atime ones).
STACKVISOR_CHILD_CODE unsigned long LockedFlags(const char* path) {
  struct statfs st {};
  if (statfs(path, &st) != 0) return 0;
  const unsigned long keep = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                             MS_RELATIME | MS_SYNCHRONOUS | MS_MANDLOCK;
  return static_cast<unsigned long>(st.f_flags) & keep;
}

}  // namespace

base::Result<std::unique_ptr<ContainerSetup>> ContainerSetup::Prepare(
    const ContainerSpec& spec, const std::string& argv0, const std::string& path_env,
    const std::string& working_dir) {
  RealHostFs fs;
  auto steps = PlanContainer(spec, fs);
  if (!steps.ok()) return steps.error();
  std::unique_ptr<ContainerSetup> setup(new ContainerSetup());
  setup->steps_ = std::move(steps.value());
  setup->user_namespace_ = spec.user_namespace;
  setup->uid_ = geteuid();
  setup->gid_ = getegid();
  setup->uid_map_ = std::to_string(setup->uid_) + " " + std::to_string(setup->uid_) + " 1\n";
  setup->gid_map_ = std::to_string(setup->gid_) + " " + std::to_string(setup->gid_) + " 1\n";
  setup->hostname_ = spec.hostname;
  setup->candidates_ = ExecCandidates(argv0, path_env, working_dir);
  setup->exec_step_ = "exec " + argv0;
  return setup;
}

STACKVISOR_CHILD_CODE bool ContainerSetup::Step(bool ok, const char* what) {
  if (!ok) failed_step_ = what;
  return ok;
}

STACKVISOR_CHILD_CODE bool ContainerSetup::WriteFile(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

STACKVISOR_CHILD_CODE void ContainerSetup::Enter() {
  int flags = CLONE_NEWNS | (hostname_.empty() ? 0 : CLONE_NEWUTS);
  if (user_namespace_) flags |= CLONE_NEWUSER;
  if (!Step(unshare(flags) == 0, user_namespace_ ? "unshare user and mount namespaces"
                                                 : "unshare the mount namespace"))
    return;
  if (user_namespace_ &&
      !(Step(WriteFile("/proc/self/setgroups", "deny"), "write /proc/self/setgroups") &&
        Step(WriteFile("/proc/self/uid_map", uid_map_), "write /proc/self/uid_map") &&
        Step(WriteFile("/proc/self/gid_map", gid_map_), "write /proc/self/gid_map")))
    return;
  if (!Step(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0,
            "make / rprivate") ||
      !Step(mount("tmpfs", kScaffoldBase, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0,
            "mount the scaffold tmpfs") ||
      !Step(mkdir(kPutOld, 0700) == 0, "mkdir the scaffold's old root") ||
      !Step(syscall(SYS_pivot_root, kScaffoldBase, kPutOld) == 0, "pivot_root into the scaffold") ||
      !Step(chdir("/") == 0, "chdir to the new root"))
    return;
  for (const ContainerStep& s : steps_) {
    const char* target = s.target.c_str();
    bool ok = true;
    switch (s.op) {
      case ContainerStep::Op::kMkdir:
        ok = mkdir(target, 0755) == 0 || errno == EEXIST;
        break;
      case ContainerStep::Op::kMkdirLike: {
        ok = mkdir(target, 0755) == 0 || errno == EEXIST;
        struct stat st {};
        if (ok && stat(s.source.c_str(), &st) == 0) {
          ok = chmod(target, st.st_mode & 07777) == 0;
          // In a user namespace only our own ids are mapped: the owner stays ours.
          if (ok && !user_namespace_) ok = chown(target, st.st_uid, st.st_gid) == 0;
        }
        break;
      }
      case ContainerStep::Op::kTouch: {
        int fd = open(target, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        ok = fd >= 0 || errno == EEXIST;
        if (fd >= 0) close(fd);
        break;
      }
      case ContainerStep::Op::kBind:
        ok = mount(s.source.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr) == 0;
        break;
      case ContainerStep::Op::kRemountReadOnly:
        ok = mount(nullptr, target, nullptr,
                   MS_REMOUNT | MS_BIND | MS_RDONLY | LockedFlags(target), nullptr) == 0;
        break;
      case ContainerStep::Op::kTmpfs:
        ok = mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
                   s.source.empty() ? nullptr : s.source.c_str()) == 0;
        break;
      case ContainerStep::Op::kSymlink:
        ok = symlink(s.source.c_str(), target) == 0;
        break;
    }
    if (!Step(ok, s.what.c_str())) return;
  }
  if (!Step(umount2(kOldRoot, MNT_DETACH) == 0, "detach the host's root") ||
      !Step(rmdir(kOldRoot) == 0, "remove the old root's mount point"))
    return;
  // The scaffold stays writable, as a container's own layer is: what a program writes into a
  // directory the view made (a Dockerfile COPY into /tmp, then mktemp there) lands in this
  // tmpfs, is never seen by the host, and is gone at the next start.
  if (!hostname_.empty() &&
      !Step(sethostname(hostname_.data(), hostname_.size()) == 0, "sethostname"))
    return;
  failed_step_ = nullptr;
}

STACKVISOR_CHILD_CODE void ContainerSetup::Exec(char* const argv[], char* const envp[]) {
  int first_error = ENOENT;
  for (const auto& candidate : candidates_) {
    execve(candidate.c_str(), argv, envp);
    if (errno != ENOENT && errno != ENOTDIR && first_error == ENOENT) first_error = errno;
  }
  errno = first_error;
  failed_step_ = exec_step_.c_str();
}

}  // namespace stackvisor::procs
