#include "supervisor/spawn_spec_builder.h"

#include <map>

namespace stackvisor::supervisor {
namespace {

void SetEntry(std::map<std::string, std::string>& env, const std::string& entry) {
  auto eq = entry.find('=');
  if (eq == std::string::npos) env.erase(entry);
  else env[entry.substr(0, eq)] = entry.substr(eq + 1);
}

}  // namespace

procs::ContainerSpec BuildContainerSpec(const config::ContainerView& view, bool root) {
  procs::ContainerSpec spec;
  spec.user_namespace = !root;
  spec.hostname = view.hostname;
  for (const config::Mount& m : view.mounts) {
    procs::MountSpec out;
    out.source = m.source;
    out.target = m.target;
    out.read_only = m.read_only;
    out.options = m.tmpfs_options;
    switch (m.kind) {
      case config::Mount::Kind::kTmpfs: out.kind = procs::MountSpec::Kind::kTmpfs; break;
      case config::Mount::Kind::kSymlink: out.kind = procs::MountSpec::Kind::kSymlink; break;
      default: out.kind = procs::MountSpec::Kind::kBind;  // a volume is its directory
    }
    spec.mounts.push_back(std::move(out));
  }
  return spec;
}

procs::SpawnSpec BuildSpawnSpec(const config::Service& service,
                                const std::vector<std::string>& base_environment,
                                bool drop_privileges, const SpawnOverrides& overrides) {
  std::map<std::string, std::string> env;
  for (const auto& kv : base_environment)
    if (kv.find('=') != std::string::npos) SetEntry(env, kv);
  procs::SpawnSpec spec;
  const std::optional<config::User>& user = overrides.user ? overrides.user : service.user;
  if (user && drop_privileges) {
    // What login would set; the service's own environment below still wins.
    if (!user->home.empty()) env["HOME"] = user->home;
    if (!user->name.empty()) env["USER"] = env["LOGNAME"] = user->name;
    spec.credentials = procs::Credentials{user->uid, user->gid, user->groups, user->name};
  }
  for (const auto& [key, value] : service.environment) {
    if (value) env[key] = *value;
    else env.erase(key);
  }
  for (const auto& entry : overrides.environment) SetEntry(env, entry);
  for (const auto& [key, value] : env) spec.env.push_back(key + "=" + value);
  spec.argv = overrides.argv ? *overrides.argv : service.argv;
  spec.working_dir = overrides.working_dir ? *overrides.working_dir : service.working_dir;
  if (service.container.enabled) spec.container = BuildContainerSpec(service.container, drop_privileges);
  return spec;
}

}  // namespace stackvisor::supervisor
