#pragma once
#include <sys/types.h>

#include <vector>

namespace stackvisor::procs {

/// ListChildren scans /proc for live processes whose parent is `parent` (zombies excluded).
/// Used at stop to find orphans re-parented to stackvisor as PID 1 or child subreaper.
std::vector<pid_t> ListChildren(pid_t parent);

/// ListGroup scans /proc for the live members of process group `group`.
std::vector<pid_t> ListGroup(pid_t group);

/// SignalGroup sends `signal` to the process group `pid` (a service runs in its own session, so
/// its pid is its group id), or to `pid` alone if the group is gone. Once only: some services
/// treat a repeated signal differently (redis: a second SIGINT exits without saving).
void SignalGroup(pid_t pid, int signal);

}  // namespace stackvisor::procs
