#pragma once
// `stackvisor down`: stop the project's running stack and wait until it is gone.
#include <sys/types.h>

#include <filesystem>
#include <optional>

#include "app/cli.h"

namespace stackvisor::app {

/// `down [-t SECONDS]`: sends POST /v1/stack/stop, then waits until the runtime directory's
/// lock is free and the daemon (`up -d`) has exited, for the grace period plus 10 s. Exit 0
/// when the stack is gone, and also when none was running (as compose does: `down` in a
/// cleanup script needs no `|| true`); 1 when the stop was refused or the stack did not go;
/// 2 for a bad manifest.
int RunDown(const Invocation& inv);

/// True while a stackvisor holds the runtime directory's lock (an exclusive flock).
bool RuntimeDirLocked(const std::filesystem::path& runtime_dir);

/// The daemon an `up -d` recorded (pid and start time, so a reused pid is not mistaken for it);
/// nullopt when none was recorded or it is gone.
std::optional<pid_t> LiveDaemon(const std::filesystem::path& runtime_dir);

/// Records `pid` as the project's daemon (see LiveDaemon).
void RecordDaemon(const std::filesystem::path& runtime_dir, pid_t pid);

}  // namespace stackvisor::app
