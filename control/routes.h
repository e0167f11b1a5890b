#pragma once
// The API's endpoints, one file per family; Api adds them all to its Router. Every handler
// reads the supervisor's Snapshot and pushes commands through its control surface only.
#include <memory>

#include "control/router.h"
#include "supervisor/supervisor.h"

namespace stackvisor::control {

class LogFollows;

/// Stack and services: state, start/stop/restart/kill, stop the stack, the event stream.
void AddServiceRoutes(Router& router, supervisor::Supervisor& supervisor);
/// Reload: apply the manifest files again, change replica counts (stack_routes.cc).
void AddStackRoutes(Router& router, supervisor::Supervisor& supervisor);
/// Logs: tail, since, follow. The followers are shared with the caller, which flushes them
/// before it closes the server.
std::shared_ptr<LogFollows> AddLogRoutes(Router& router, supervisor::Supervisor& supervisor);
/// What `exec` and `run` need: a service's resolved spawn spec.
void AddExecRoutes(Router& router, supervisor::Supervisor& supervisor);

}  // namespace stackvisor::control
