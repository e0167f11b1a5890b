#pragma once
#include <sys/types.h>

#include "base/result.h"
#include "base/unique_fd.h"
#include "procs/spawn_spec.h"

namespace stackvisor::procs {

/// A child just started. Its status will arrive through the Reaper; nobody else waits for it.
struct SpawnedChild {
  pid_t pid = -1;
  base::UniqueFd stdout_read;  // read ends of real pipes (not socketpairs), O_CLOEXEC
  base::UniqueFd stderr_read;
};

/// Spawn starts argv in its own session with default signal dispositions, an empty signal mask,
/// stdin from /dev/null, only fds 0/1/2 inherited, PR_SET_PDEATHSIG=SIGKILL, and credentials
/// dropped when given. It must be called from the loop thread (PDEATHSIG follows the thread).
/// Errors (binary not found, not executable, chdir failed) come back as a message naming the
/// program and errno, before or instead of a pid.
base::Result<SpawnedChild> Spawn(const SpawnSpec& spec);

/// ResolveExecutable finds argv0 on PATH the way execvp would, reporting why it could not.
base::Result<std::string> ResolveExecutable(const std::string& argv0, const std::string& path_env);

}  // namespace stackvisor::procs
