#pragma once
// Internal to config/: the named steps Load runs, in order. Each takes a Reporter so every
// problem of every step is collected.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/interpolate.h"
#include "config/loader.h"
#include "config/report.h"
#include "config/tree.h"

namespace stackvisor::config {

/// Diagnostics that belong to no file (the command line, discovery) name the program instead.
inline constexpr char kNoFile[] = "stackvisor";

/// DiscoverFiles returns the default manifest (stackvisor/compose/docker-compose, .yaml then
/// .yml, first found) plus its `<stem>.override.yaml|yml` when present, as names relative to
/// dir; empty when there is none.
std::vector<std::string> DiscoverFiles(const std::string& dir);

/// The file names discovery looks for, in order (for the "not found" message).
const std::vector<std::string>& DefaultFileNames();

/// InterpolateTree substitutes variables in every scalar value (never in keys) of one file.
void InterpolateTree(Node& root, const Variables& vars, Reporter& r);

/// NormaliseTree rewrites the list forms of services.*.environment and depends_on (also under
/// x-stackvisor) into mappings, so files merge by key.
void NormaliseTree(Node& root, Reporter& r);

/// MergeTree merges `over` into `base` by compose's rules: mappings merge by key, scalars
/// replace, command/entrypoint/test replace, other sequences append; tags !reset (remove) and
/// !override (replace whole).
void MergeTree(Node& base, const Node& over);

/// Everything the service builder needs besides the service's own tree.
struct BuildContext {
  std::string project_directory;  // absolute
  std::string cwd;                // absolute, for display paths of env files
  Variables variables;            // interpolation values (environment over .env)
  unsigned euid = 0;              // whose privileges stackvisor runs with
};

/// A service as built from the tree, with what the profile and graph steps still need.
struct ServiceDraft {
  Service service;
  bool active = true;
  SourcePos depends_on_pos;                    // the depends_on key
  std::map<std::string, SourcePos> dependency_pos;  // each dependency's key
  std::optional<int> replicas;                 // `scale:` or `deploy.replicas`, when given
  SourcePos replicas_pos;                      // the key that gave it
  std::string replicas_path;                   // its key path, services.web.scale
};

/// BuildService validates one service's tree and fills a draft. Host lookups (env files,
/// users) only run when `active`, so an inactive profile may name what this host lacks.
ServiceDraft BuildService(const std::string& name, const SourcePos& name_pos, const Node& tree,
                          bool active, const BuildContext& context, Reporter& r);

/// CheckDependencies reports unknown, inactive-required and cyclic dependencies among active
/// drafts and drops inactive optional ones.
void CheckDependencies(std::vector<ServiceDraft>& drafts, Reporter& r);

/// BuildProject turns the merged tree into a Manifest: top-level keys, project name,
/// x-stackvisor overlays, profiles, every service, dependency checks. The result is only
/// meaningful when the Reporter saw no error.
Manifest BuildProject(Node& merged, const LoadOptions& options, const BuildContext& context,
                      const std::vector<std::string>& files, Reporter& r);

/// Whether -p's or the top-level `name`'s value is a project name as compose accepts it.
bool IsValidProjectName(const std::string& name);

/// As compose makes a project name of a directory name or COMPOSE_PROJECT_NAME: lowercased,
/// what a name cannot hold dropped, "default" if nothing is left.
std::string NormaliseProjectName(const std::string& raw);

/// DisplayPath is how a file is named in diagnostics: relative to cwd when possible.
std::string DisplayPath(const std::string& absolute, const std::string& cwd);

}  // namespace stackvisor::config
