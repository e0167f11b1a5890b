#pragma once
// Before anything starts: can this host give services their private mount namespaces?
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::supervisor {

/// Why namespaces cannot be made here (the step and its errno), or nullopt when they can.
/// Tries once, in a short-lived forked child, exactly what the spawner's child does first:
/// unshare the mount (and, not as root, user) namespace, map the ids, make / private and mount
/// a tmpfs. No child is forked when no service has a container view.
std::optional<std::string> ProbeContainerViews(const config::Manifest& manifest, bool root);

/// The refusal: which services and container paths cannot work and why. Pure.
std::string ContainerPreflightMessage(const config::Manifest& manifest, const std::string& why);

/// One line per bind mount whose source is missing and may not be created
/// (bind.create_host_path: false), "file:line:col: service: ..."; empty when there is none.
std::vector<std::string> MissingBindSources(const config::Manifest& manifest);

/// What is wrong with such a mount, without the position and the service.
std::string MissingBindSourceText(const config::Mount& mount);

}  // namespace stackvisor::supervisor
