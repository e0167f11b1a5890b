#include "supervisor/container_preflight.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::supervisor {
namespace {

// The child reports which step failed as one byte and the errno as an int.
struct Report {
  unsigned char step = 0;
  int err = 0;
};

const char* const kSteps[] = {"", "unshare the mount namespace",
                              "unshare user and mount namespaces", "write /proc/self/setgroups",
                              "write /proc/self/uid_map", "write /proc/self/gid_map",
                              "make / rprivate", "mount a tmpfs"};

bool WriteText(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = write(fd, text, strlen(text));
  const int saved = errno;
  close(fd);
  errno = saved;
  return n == static_cast<ssize_t>(strlen(text));
}

}  // namespace

std::optional<std::string> ProbeContainerViews(const config::Manifest& manifest, bool root) {
  bool any = false;
  for (const auto& s : manifest.services) any = any || s.container.enabled;
  if (!any) return std::nullopt;
  const std::string uid_map = std::to_string(geteuid()) + " " + std::to_string(geteuid()) + " 1";
  const std::string gid_map = std::to_string(getegid()) + " " + std::to_string(getegid()) + " 1";
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return base::ErrnoMessage("pipe2", errno);
  base::UniqueFd read_end(fds[0]), write_end(fds[1]);
  const pid_t pid = fork();
  if (pid < 0) return base::ErrnoMessage("fork", errno);
  if (pid == 0) {
    // Only async-signal-safe calls: we may have threads.
    Report r;
    auto fail = [&](unsigned char step) {
      r.step = step;
      r.err = errno;
      (void)!write(write_end.get(), &r, sizeof r);
      _exit(1);
    };
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | (root ? 0 : CLONE_NEWUSER)) != 0) fail(root ? 1 : 2);
    if (!root) {
      if (!WriteText("/proc/self/setgroups", "deny")) fail(3);
      if (!WriteText("/proc/self/uid_map", uid_map.c_str())) fail(4);
      if (!WriteText("/proc/self/gid_map", gid_map.c_str())) fail(5);
    }
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(6);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=4k") != 0) fail(7);
    _exit(0);
  }
  write_end.Reset();
  Report r;
  const ssize_t n = read(read_end.get(), &r, sizeof r);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof r) && r.step > 0 && r.step < std::size(kSteps))
    return base::ErrnoMessage(kSteps[r.step], r.err);
  return std::nullopt;
}

std::string ContainerPreflightMessage(const config::Manifest& manifest, const std::string& why) {
  std::string out = "private mount namespaces are not available here (" + why + "), and ";
  std::string list;
  size_t count = 0;
  for (const auto& s : manifest.services) {
    if (!s.container.enabled || (!s.replica_of.empty() && s.replica > 1)) continue;
    ++count;
    std::string paths;
    for (const auto& m : s.container.mounts) paths += (paths.empty() ? "" : ", ") + m.target;
    if (!s.container.hosts.empty()) paths += (paths.empty() ? "" : ", ") + std::string("/etc/hosts");
    list += "\n  " + (s.replica_of.empty() ? s.name : s.replica_of) + ": " + paths;
  }
  out += count == 1 ? "this service needs one for its container paths:" :
                      "these services need one for their container paths:";
  out += list;
  out += "\n(a locked-down container or a kernel without unprivileged user namespaces; run as "
         "root, allow user namespaces (sysctl user.max_user_namespaces, "
         "kernel.unprivileged_userns_clone), or drop those services' volumes and names)";
  return out;
}

std::string MissingBindSourceText(const config::Mount& mount) {
  return "the bind source " + mount.source + " for " + mount.target +
         " does not exist, and bind.create_host_path is false: create it, or drop that setting";
}

std::vector<std::string> MissingBindSources(const config::Manifest& manifest) {
  std::vector<std::string> out;
  for (const auto& s : manifest.services) {
    if (!s.container.enabled || (!s.replica_of.empty() && s.replica > 1)) continue;
    for (const auto& m : s.container.mounts) {
      std::error_code ec;
      if (m.kind != config::Mount::Kind::kBind || m.create_source ||
          std::filesystem::exists(m.source, ec))
        continue;
      std::string where;
      if (!m.pos.file.empty())
        where = m.pos.file + ":" + std::to_string(m.pos.line) + ":" + std::to_string(m.pos.column) + ": ";
      out.push_back(where + "services." + (s.replica_of.empty() ? s.name : s.replica_of) +
                    ".volumes: " + MissingBindSourceText(m));
    }
  }
  return out;
}

}  // namespace stackvisor::supervisor
