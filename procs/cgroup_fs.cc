// The cgroup v2 file operations Containment and the guardian (after stackvisor died) share.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "procs/containment.h"

namespace stackvisor::procs {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  base::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

bool WriteFile(const std::string& path, std::string_view text) {
  base::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  return write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::string Parent(const std::string& dir) {
  auto slash = dir.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "/" : dir.substr(0, slash);
}

void Pause(int ms) {
  struct timespec pause = {0, ms * 1000L * 1000L};
  nanosleep(&pause, nullptr);
}

// Empties and removes a cgroup and its children; rmdir fails with EBUSY until its last process
// has exited and its children are gone.
bool RemoveTree(const std::string& dir, int wait_ms) {
  for (const auto& child : ChildCgroups(dir)) RemoveTree(child, wait_ms);
  for (int waited = 0;; waited += 5) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY || waited >= wait_ms) return false;
    KillCgroup(dir);
    Pause(5);
  }
}

}  // namespace

std::optional<std::string> Cgroup2Mount(std::string_view mountinfo) {
  // "36 35 98:0 /root /mnt rw,noatime master:1 - cgroup2 cgroup2 rw": fields after " - " are
  // the fstype, the source and the super options; the mount point is the fifth field.
  size_t at = 0;
  while (at < mountinfo.size()) {
    size_t end = mountinfo.find('\n', at);
    if (end == std::string_view::npos) end = mountinfo.size();
    std::string_view line = mountinfo.substr(at, end - at);
    at = end + 1;
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    std::string_view rest = line.substr(dash + 3);
    if (rest.substr(0, rest.find(' ')) != "cgroup2") continue;
    // Fields: id, parent id, major:minor, root, mount point, ...
    std::string_view fields = line.substr(0, dash);
    std::string_view mount;
    for (int field = 0; field <= 4 && !fields.empty(); ++field) {
      size_t space = fields.find(' ');
      if (field == 4) mount = fields.substr(0, space);
      fields = space == std::string_view::npos ? std::string_view() : fields.substr(space + 1);
    }
    if (!mount.empty()) return std::string(mount);
  }
  return std::nullopt;
}

std::optional<std::string> OwnCgroup2Path(std::string_view proc_self_cgroup) {
  size_t at = 0;
  while (at < proc_self_cgroup.size()) {
    size_t end = proc_self_cgroup.find('\n', at);
    if (end == std::string_view::npos) end = proc_self_cgroup.size();
    std::string_view line = proc_self_cgroup.substr(at, end - at);
    at = end + 1;
    if (line.rfind("0::", 0) == 0 && line.size() > 3 && line[3] == '/')
      return std::string(line.substr(3));
  }
  return std::nullopt;
}

std::string CgroupName(std::string_view service) {
  std::string name;
  for (char c : service) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-';
    name += keep ? c : '_';
  }
  return name.empty() ? "_" : name;
}

std::vector<pid_t> CgroupPids(const std::string& dir) {
  std::vector<pid_t> pids;
  auto text = ReadFile(dir + "/cgroup.procs");
  if (!text) return pids;
  const char* p = text->c_str();
  while (*p != '\0') {
    char* end = nullptr;
    long pid = std::strtol(p, &end, 10);
    if (end == p) break;
    if (pid > 0) pids.push_back(static_cast<pid_t>(pid));
    p = end;
  }
  return pids;
}

bool CgroupPopulated(const std::string& dir) {
  auto text = ReadFile(dir + "/cgroup.events");
  return text && text->find("populated 1") != std::string::npos;
}

bool KillCgroup(const std::string& dir) {
  if (WriteFile(dir + "/cgroup.kill", "1")) return true;
  // Before 5.14 there is no cgroup.kill: one pass over the pids (and the children's), which
  // callers repeat until cgroup.events says it is empty (a fork may race with the pass).
  for (const auto& child : ChildCgroups(dir)) KillCgroup(child);
  if (access((dir + "/cgroup.procs").c_str(), F_OK) != 0) return false;
  for (pid_t pid : CgroupPids(dir)) kill(pid, SIGKILL);
  return true;
}

std::vector<std::string> ChildCgroups(const std::string& dir) {
  std::vector<std::string> children;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return children;
  while (dirent* entry = readdir(d)) {
    if (entry->d_type != DT_DIR || entry->d_name[0] == '.') continue;
    children.push_back(dir + "/" + entry->d_name);
  }
  closedir(d);
  return children;
}

bool RemoveEmptyCgroups(const std::string& dir) { return RemoveTree(dir, 0); }

bool RemoveStackCgroup(const std::string& stack, int wait_ms) {
  for (const auto& child : ChildCgroups(stack)) {
    KillCgroup(child);
    RemoveTree(child, wait_ms);
  }
  for (pid_t pid : CgroupPids(stack)) {
    if (pid == getpid()) WriteFile(Parent(stack) + "/cgroup.procs", "0");
  }
  return RemoveTree(stack, wait_ms);
}

}  // namespace stackvisor::procs
