#pragma once
// The foreground half of `up -d`: wait until the daemon's stack is ready, or say why not.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "config/manifest.h"

namespace stackvisor::app {

struct DetachWait {
  pid_t daemon = 0;
  int status_fd = -1;  // the startup pipe's read end (see StartupReporter)
  std::filesystem::path runtime_dir;
  std::string project;
  std::optional<double> timeout_s;  // --wait-timeout; none: until ready or failed
  std::set<std::string> one_shots;  // must complete to count as ready (see OneShots)
};

/// The services a dependent waits on with service_completed_successfully: for those, running
/// is not yet ready (a migration that fails a moment later must fail `up -d`).
std::set<std::string> OneShots(const config::Manifest& manifest);

/// The services of a stack that is already running, judged as WaitForDetachedStack judges a
/// new one: `up -d` against a running stack waits for what it started or changed.
struct ReadyWait {
  std::filesystem::path runtime_dir;
  std::string project;
  std::optional<double> timeout_s;
  std::set<std::string> one_shots;
  std::set<std::string> services;  // the ones to judge; the others may be stopped on request
};

/// Polls GET /v1/stack until every service of `wait.services` is ready (prints one line per
/// service, returns 0) or one fails (prints it, why and its last lines; returns 1); 1 when the
/// stack goes away or the timeout passes first.
int WaitForRunningStack(const ReadyWait& wait);

/// Waits for the daemon's startup report, then polls GET /v1/stack until every service is
/// ready (prints one line per service, returns 0) or one fails (prints the service, why, and
/// its last lines; returns 1). Returns 1 at once, with the end of stackvisor.log, when the
/// daemon dies, and 1 when the timeout passes first (naming who was not ready). A stack that
/// failed or timed out is left running, as compose leaves its containers: `down` stops it.
int WaitForDetachedStack(const DetachWait& wait);

}  // namespace stackvisor::app
