#pragma once
// A service's `build:` read for a native process: the Dockerfile is read (bounded) and
// parsed, and its COPY/ADD of build-context files become bind mounts at their image paths,
// with Docker's rules for where each file lands. The expansion step (recipes) calls it in two
// steps because where a directory is merged depends on the base image's recipe.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/dockerfile.h"
#include "config/manifest.h"
#include "config/requirements_check.h"

namespace stackvisor::config {

/// The `build:` of one service, as the compose file gives it (paths already resolved).
struct BuildSpec {
  std::string context;                  // absolute directory
  std::string dockerfile = "Dockerfile";  // relative to context, or absolute
  std::string dockerfile_inline;        // non-empty: used instead of reading a file
  std::map<std::string, std::string> args;
  std::string target;
  std::string path;  // key path for diagnostics: "services.web.build"
  SourcePos pos;     // where `build:` is written
};

/// A parsed Dockerfile and the file it came from (the name its diagnostics and mounts carry).
struct BuildDockerfile {
  Dockerfile dockerfile;
  std::string file;  // absolute path, or "<path>.dockerfile_inline"
};

/// Largest Dockerfile read: real ones are a few KiB.
inline constexpr size_t kMaxDockerfileBytes = 1024 * 1024;
/// A directory copied into a directory the image already has is bound entry by entry (so the
/// image's own files stay); more entries than this are refused rather than bound.
inline constexpr size_t kMaxMergedEntries = 256;

/// ReadBuildDockerfile reads and parses the Dockerfile of spec. nullopt on errors (all in
/// diagnostics, naming the file; parse errors with line and column).
/// base_env gives each FROM image's environment for substitution (see ParseDockerfile).
std::optional<BuildDockerfile> ReadBuildDockerfile(const BuildSpec& spec,
                                                   std::vector<Diagnostic>& diagnostics,
                                                   const BaseImageEnv& base_env = {});

/// CopyMounts turns the Dockerfile's COPY/ADD into kBind mounts, in order. image_dirs are the
/// directories the base image has (its recipe's): a directory copied onto one of them, or
/// onto a standard one such as /etc, is bound entry by entry instead of hiding it. Globs are
/// expanded now; a missing source or one outside the context is an error; .dockerignore is
/// applied where that is cheap (excluded entries directly under a copied directory) and
/// otherwise reported as a warning.
std::vector<Mount> CopyMounts(const BuildSpec& spec, const BuildDockerfile& parsed,
                              const std::vector<std::string>& image_dirs,
                              std::vector<Diagnostic>& diagnostics);

/// HostPathOf maps an image path to the host file a mount shows there (the last mount that
/// covers it wins, as the last COPY does); empty when no mount covers it.
std::string HostPathOf(const std::vector<Mount>& mounts, const std::string& image_path);

/// CheckBuildRequirements checks what the Dockerfile's `pip install` steps would have
/// installed (each -r file, found through the COPY mounts, and the packages named on the
/// command line) against the distributions of the host's python3 (site_dirs; empty: the
/// /usr/bin/python3 ones). A -r file no COPY brings in is a warning.
RequirementsReport CheckBuildRequirements(const BuildSpec& spec, const BuildDockerfile& parsed,
                                          const std::vector<Mount>& mounts,
                                          std::vector<std::string> site_dirs = {});

/// HostPythonVersion is "3.11" for the /usr/bin/python3 -> python3.11 link; "" if unknown.
std::string HostPythonVersion();

}  // namespace stackvisor::config
