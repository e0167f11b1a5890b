// build: services: the Dockerfile's base image and what its final stage adds
// over it.
#include "config/recipe.h"

namespace stackvisor::config {

std::optional<BuildImage> ReadBuild(const Node& build, const std::string& path,
                                    const std::string& service, const std::string& project_dir,
                                    Reporter& r) {
  (void)service;
  (void)project_dir;
  r.Error(build, path, "build: is not read yet");
  return std::nullopt;
}

}  // namespace stackvisor::config
