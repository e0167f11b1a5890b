#pragma once
// `up` against a project that is already running: apply the files through the API instead
// of refusing, as `docker compose up` recreates only what changed.
#include <filesystem>
#include <optional>

#include "app/cli.h"
#include "config/manifest.h"
#include "control/client.h"

namespace stackvisor::app {

/// When a stack of the project runs: asks it to apply its files (POST /v1/stack/apply with
/// --dry-run/--force-recreate/--no-recreate), prints the plan, then, for a foreground `up`,
/// follows the logs as `logs -f` does (Ctrl-C ends the following only: the stack belongs to
/// the `up` that started it). Returns the exit code; nullopt when no stack is running.
std::optional<int> ApplyToRunningStack(const Invocation& inv, const config::Manifest& manifest,
                                       const std::filesystem::path& runtime_dir);

/// `stackvisor scale web=3 worker=0`: POST /v1/stack/scale, prints the plan. 2 for a bad
/// argument, 1 when the stack refused or is not running.
int RunScale(control::Client& client, const std::vector<std::string>& assignments);

/// `up --dry-run` with nothing running: every service would start, in start order.
int PrintStartPlan(const config::Manifest& manifest);

}  // namespace stackvisor::app
