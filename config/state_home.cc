#include "config/state_home.h"

namespace stackvisor::config {

std::string DefaultStateHome(const std::map<std::string, std::string>& variables, bool root) {
  if (root) return "/var/lib/stackvisor";
  auto value = [&](const char* key) {
    auto it = variables.find(key);
    return it == variables.end() ? std::string() : it->second;
  };
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  std::string xdg = value("XDG_STATE_HOME");
  if (!xdg.empty() && xdg.front() == '/') return xdg + "/stackvisor";
  std::string home = value("HOME");
  // No home at all (a bare container): relative, so it lands in the project directory.
  if (home.empty() || home.front() != '/') return ".stackvisor-state";
  return home + "/.local/state/stackvisor";
}

}  // namespace stackvisor::config
