#pragma once
// Where a running stack keeps its API socket, its lock and (later) its log file.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::control {

/// RuntimeDirInputs are the facts the runtime directory is chosen from, passed in rather than
/// read from the environment here, so the choice is a pure function.
struct RuntimeDirInputs {
  std::string project;                       // the project name
  std::filesystem::path project_dir;         // where the manifest lives
  std::optional<std::filesystem::path> explicit_dir;  // a CLI flag, first choice
  std::optional<std::string> env_override;   // $STACKVISOR_RUNTIME_DIR
  std::optional<std::string> xdg_runtime_dir;  // $XDG_RUNTIME_DIR
};

/// The explicit path, else $STACKVISOR_RUNTIME_DIR, else $XDG_RUNTIME_DIR/stackvisor/<project>,
/// else <project dir>/.stackvisor. Empty variables count as unset.
std::filesystem::path ChooseRuntimeDir(const RuntimeDirInputs& inputs);

/// Reads the inputs' variables from this process's environment.
RuntimeDirInputs RuntimeDirInputsFromEnv(std::string project, std::filesystem::path project_dir);

/// The socket's path in a runtime directory (for the client, which takes no lock).
std::filesystem::path ApiSocketPath(const std::filesystem::path& dir);

/// RuntimeDir is one running stackvisor's claim on its project's runtime directory. Acquire()
/// creates the directory 0700 (or checks that an existing one is ours and private), takes an
/// exclusive flock on `<dir>/lock` (close-on-exec, so children never hold it) and writes our
/// pid into it, then removes a socket left by a stackvisor that died: holding the lock proves
/// nobody serves it. A second Acquire of the same directory, in any process, fails while this
/// one lives. Destroying it releases the lock; the lock file stays (removing it would let two
/// processes lock two different files). Not copyable or movable.
class RuntimeDir {
 public:
  /// `busy`, when given, is set when the failure is another live stackvisor holding the lock.
  static base::Result<std::unique_ptr<RuntimeDir>> Acquire(const std::filesystem::path& dir,
                                                           const std::string& project,
                                                           bool* busy = nullptr);
  RuntimeDir(const RuntimeDir&) = delete;
  RuntimeDir& operator=(const RuntimeDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path socket_path() const { return ApiSocketPath(dir_); }

 private:
  RuntimeDir(std::filesystem::path dir, base::UniqueFd lock)
      : dir_(std::move(dir)), lock_(std::move(lock)) {}
  std::filesystem::path dir_;
  base::UniqueFd lock_;
};

/// Makes `dir` (and missing parents) with mode 0700, and checks the final directory is a real
/// directory owned by `uid` with no group or world access. Errors say what to fix.
std::optional<base::Error> MakePrivateDir(const std::filesystem::path& dir, uid_t uid);

}  // namespace stackvisor::control
