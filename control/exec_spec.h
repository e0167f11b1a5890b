#pragma once
// The body of /v1/services/{name}/spec both ways: what `exec`/`run` ask to change about a
// service's process, and the resolved spawn spec they get back and execute themselves.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/manifest.h"
#include "procs/spawn_spec.h"
#include "supervisor/spawn_spec_builder.h"

namespace stackvisor::control {

/// SpecRequest is a POST body as plain values: every field optional, unknown fields refused.
/// `user` is as a manifest's `user:` ("name", "uid", "name:group", "uid:gid").
struct SpecRequest {
  std::optional<std::vector<std::string>> argv;
  std::vector<std::string> environment;  // "K=V" sets, "K" removes
  std::optional<std::string> user;
  std::optional<std::string> working_dir;
};

std::string SpecRequestToJson(const SpecRequest& request);
/// Errors say which field is wrong ("spec request: environment must be a list of strings").
base::Result<SpecRequest> SpecRequestFromJson(std::string_view body);

/// ResolveOverrides turns a request into SpawnOverrides for `service`: the user looked up in the
/// passwd/group databases and refused unless `caller_euid` may become it (root, or itself); a
/// relative working dir taken from the service's own. Errors name the user or the directory.
base::Result<supervisor::SpawnOverrides> ResolveOverrides(const SpecRequest& request,
                                                          const config::Service& service,
                                                          uid_t caller_euid);

std::string SpecToJson(const procs::SpawnSpec& spec);
base::Result<procs::SpawnSpec> SpecFromJson(std::string_view body);

}  // namespace stackvisor::control
