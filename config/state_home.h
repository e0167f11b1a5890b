#pragma once
#include <map>
#include <string>

namespace stackvisor::config {

/// The interpolation variable stackvisor provides when neither the environment nor .env sets
/// it: where a stack keeps its state by default, reachable by the users its services drop to.
inline constexpr const char* kStateHomeVariable = "STACKVISOR_STATE_HOME";

/// DefaultStateHome: /var/lib/stackvisor for root (a home directory is often 0700, out of reach
/// of the postgres or nobody a service runs as), else $XDG_STATE_HOME/stackvisor, else
/// $HOME/.local/state/stackvisor (the XDG base directory default), else .stackvisor-state in the
/// project directory. Pure: variables are the
/// interpolation values already known.
std::string DefaultStateHome(const std::map<std::string, std::string>& variables, bool root);

}  // namespace stackvisor::config
