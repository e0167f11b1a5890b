#pragma once
#include <optional>

#include "app/cli.h"
#include "config/manifest.h"

namespace stackvisor::app {

/// LoadManifest runs the config loader and prints every diagnostic to stderr. Returns the
/// manifest, or nullopt when there were errors (the caller exits 2).
std::optional<config::Manifest> LoadManifest(const Invocation& inv);

/// `stackvisor up`: run the stack in the foreground; returns the exit code.
int RunUp(const Invocation& inv);

/// `stackvisor config`: print the resolved manifest or the service names.
int RunConfig(const Invocation& inv);

}  // namespace stackvisor::app
