#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

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
/// stdin from /dev/null, only fds 0/1/2 inherited (and spec.listen_fds as 3, 4, ..., with
/// LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID set), PR_SET_PDEATHSIG=SIGKILL, and credentials
/// dropped when given. It must be called from the loop thread (PDEATHSIG follows the thread).
/// Errors come back before or instead of a pid: a program not found or not executable as
/// "spawn PROG: strerror"; a step of the child's setup that failed as "spawn: STEP: strerror",
/// the step naming what it acted on ("chdir to /srv/app as svtest", "setuid 1001",
/// "exec /usr/bin/x").
base::Result<SpawnedChild> Spawn(const SpawnSpec& spec);

/// The PATH of a child's environment (KEY=VALUE entries), or the default a child without one
/// is searched with.
std::string PathFromEnv(const std::vector<std::string>& env);

/// ExecutableLookup is where argv0 resolved (error 0), or the errno of why not: ENOENT when it
/// was found nowhere (a shell's 127), anything else when found but not runnable (126). On an
/// error, `path` is what was tried for a name with a slash, else argv0 itself.
struct ExecutableLookup {
  std::string path;
  int error = 0;
};

/// LookupExecutable is ResolveExecutable's search, for callers that need the errno (`exec`
/// chooses its exit code by it).
ExecutableLookup LookupExecutable(const std::string& argv0, const std::string& path_env,
                                  const std::string& working_dir);

/// ResolveExecutable finds argv0 the way execvp would from working_dir, reporting why it could
/// not: a relative path with a slash, and a name found through a relative PATH entry ("", "."),
/// are relative to working_dir (the child's directory); empty working_dir means ours.
base::Result<std::string> ResolveExecutable(const std::string& argv0, const std::string& path_env,
                                            const std::string& working_dir);

}  // namespace stackvisor::procs
