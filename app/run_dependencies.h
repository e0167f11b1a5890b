#pragma once
// What `run` does before its command: the service's dependencies started and their
// `depends_on` conditions met, in the running stack or in a new detached one.
#include <chrono>
#include <optional>
#include <string>

#include "app/cli.h"
#include "config/manifest.h"
#include "control/client.h"

namespace stackvisor::app {

/// How long `run` waits for its dependencies' conditions.
inline constexpr std::chrono::seconds kDependencyTimeout{180};

/// True when the client's error says that no stack serves the project's socket.
bool IsNoStack(const base::Error& error);

/// Why a dependency's Service JSON (the API's) cannot meet `condition` any more, as a
/// sentence; nullopt while it still may.
std::optional<std::string> DependencyFailed(const std::string& state, const std::string& failure);

/// True once the Service JSON's state and health meet `condition`.
bool ConditionMet(config::DependCondition condition, const std::string& state,
                  const std::string& health);

/// Asks the running stack to start each direct dependency (the stack starts theirs) and polls
/// GET /v1/services until every condition is met; 0, or 1 after naming the dependency that
/// failed or that the deadline passed on.
int StartDependencies(control::Client& client, const config::Service& service);

/// Runs this binary as `up -d --wait [load options] DEP...` and returns its exit code (it
/// printed why it failed).
int StartDetachedStack(const Invocation& inv, const config::Service& service);

}  // namespace stackvisor::app
