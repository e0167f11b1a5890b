#include "procs/children.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/unique_fd.h"

namespace stackvisor::procs {

namespace {

// Calls keep(pid, ppid, pgrp) for every live (not zombie) process in /proc.
template <typename Keep>
std::vector<pid_t> ScanProc(Keep keep) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    char path[64];
    std::snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    base::UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) continue;
    char buf[512];
    ssize_t n = read(fd.get(), buf, sizeof(buf) - 1);
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after
    // the last ')'.
    char* close = std::strrchr(buf, ')');
    if (close == nullptr) continue;
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
    if (std::sscanf(close + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3) continue;
    if (state != 'Z' && keep(ppid, pgrp)) found.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return found;
}

}  // namespace

std::vector<pid_t> ListChildren(pid_t parent) {
  return ScanProc([parent](long ppid, long) { return ppid == parent; });
}

std::vector<pid_t> ListGroup(pid_t group) {
  return ScanProc([group](long, long pgrp) { return pgrp == group; });
}

void SignalGroup(pid_t pid, int signal) {
  if (pid <= 1) return;  // never signal every process or init by accident
  if (::kill(-pid, signal) != 0) ::kill(pid, signal);
}

}  // namespace stackvisor::procs
