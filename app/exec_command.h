#pragma once
// `exec` and `run`: a command with a service's environment, user and working dir, run as this
// very process (execve), so it owns the terminal and its exit code is ours, as `docker exec`.
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"
#include "procs/spawn_spec.h"

namespace stackvisor::app {

/// What `exec`/`run` were asked beyond the project (Invocation::load).
struct ExecInvocation {
  std::vector<std::string> env;  // -e K=V, or K: our value of K (removed when we have none)
  std::string user;              // -u
  std::string working_dir;       // -w
  std::string entrypoint;        // run --entrypoint: replaces argv; the command is appended
  bool rm = false;               // run --rm: nothing is ever kept; accepted for compose
  bool no_deps = false;          // run --no-deps
  std::optional<int> index;      // exec --index N: replica N of a scaled service (default 1)
  std::string service;
  std::vector<std::string> command;  // everything after SERVICE, verbatim
};

/// SplitArgs is a command line cut where the command of `exec`/`run` begins.
struct SplitArgs {
  std::vector<std::string> ours;     // argv up to and including SERVICE, for the option parser
  std::vector<std::string> command;  // the rest, even what looks like our options (`ls -e`)
};

/// SplitAtCommand finds SERVICE after one of `subcommands` in argv: the first argument that is
/// neither an option nor the value of one of `value_options` ("-e", "--env"...); a "--" before
/// it ends our options and is dropped. Before the subcommand, `top_value_options` ("-f",
/// "--project-name"...) take the next argument. Any other command line comes back whole in
/// `ours`.
SplitArgs SplitAtCommand(const std::vector<std::string>& argv,
                         const std::set<std::string>& subcommands,
                         const std::set<std::string>& value_options,
                         const std::set<std::string>& top_value_options = {});

int RunExec(const Invocation& inv, const ExecInvocation& exec);
int RunRun(const Invocation& inv, const ExecInvocation& run);

/// ExecSpec becomes the spec's process: credentials (only as root; the same uid is no switch),
/// chdir, argv[0] looked up on the spec's PATH, execve with exactly its environment. Returns
/// only on failure, with the exit code: 127 not found, 126 anything else that kept the command
/// from running; the error names the step ("exec: chdir to /srv as nobody: ...").
/// With spec.container, the command sees the service's view: `join` (a pid of the running
/// service, root only) has its mount and UTS namespaces joined with setns; otherwise, or if
/// that fails, the same view is built afresh in this process (what `run` does).
int ExecSpec(const procs::SpawnSpec& spec, pid_t join = 0);

}  // namespace stackvisor::app
