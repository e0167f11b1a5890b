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
#include "config/replicas.h"
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

/// ReadTree reads one more manifest-shaped file (extended or included) as Load reads a -f
/// file: parsed, interpolated with vars, normalised. Named `shown` in diagnostics; when it
/// cannot be read the error is at `at` ("cannot read WHAT 'shown': why") and a null node
/// comes back, as it does when it does not parse (reported in the file).
Node ReadTree(const std::string& absolute, const std::string& shown, const Variables& vars,
              const SourcePos& at, const std::string& path, const std::string& what,
              Reporter& r);

/// RebaseServicePaths makes the host paths of a service read from another directory
/// (env_file, working_dir, extends.file, the bind sources of volumes that start with '.', also
/// under x-stackvisor) absolute against dir, so
/// they keep meaning the same files once the service is merged into the main model.
void RebaseServicePaths(Node& service, const std::string& dir);

/// ApplyExtends replaces every service that has `extends` by its base (from the same model,
/// or from `file`, relative to dir) with the service merged over it, recursively; cycles,
/// missing files and services are errors at the `extends` that names them. dir is the
/// model's project directory; cwd names other files in diagnostics.
/// The tag of the null `extends` ApplyExtends leaves where it failed (and reported why).
inline constexpr char kFailedExtends[] = "!extends-failed";
void ApplyExtends(Node& model, const std::string& dir, const std::string& cwd,
                  const Variables& vars, Reporter& r);

/// ApplyIncludes loads the models a file's top-level `include` names (each with its own
/// project directory and env files, its relative paths resolved there) and adds their
/// services to it; a service the file defines too is an error unless both are the same.
/// `chain` holds the files being included, outermost first, for cycle errors.
void ApplyIncludes(Node& model, const std::string& dir, const std::string& cwd,
                   const Variables& vars, std::vector<std::string>& chain, Reporter& r);

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
  // Keys stackvisor ignores (docker-only or not about processes), in file order, with where
  // each is written: reported once per key for the whole project, not once per service.
  std::vector<std::pair<std::string, SourcePos>> ignored_keys;
  std::optional<int> replicas;                 // `scale:` or `deploy.replicas`, when given
  SourcePos replicas_pos;                      // the key that gave it
  std::string replicas_path;                   // its key path, services.web.scale
  // A `user:` the host cannot give (no such user; or not root) on a service with an image or
  // a build: the image may name it (`user: nginx` on nginx, `user: postgres` as an ordinary
  // user), which its recipe maps (recipe_apply.cc). Reported after ExpandImages if still set.
  struct UserProblem {
    std::string spec;
    SourcePos pos;
    std::string message;
  };
  std::optional<UserProblem> user_problem;
  // The recipe's listen_env: the variable that, once `ports:` is read, says where the server
  // listens (config/port_spec.h ListenAddresses).
  std::string listen_env;
};

/// DraftTree is the tree drafts[i] was built from. Drafts are built in the services' order, so
/// it is services' i-th entry, with no search by name: a lookup per service made every step
/// that walks the drafts quadratic (9,000 services: 40 million key comparisons each).
const Node* DraftTree(const Node& services, const std::vector<ServiceDraft>& drafts, size_t i);

/// BuildService validates one service's tree and fills a draft. Host lookups (env files,
/// users) only run when `active`, so an inactive profile may name what this host lacks.
ServiceDraft BuildService(const std::string& name, const SourcePos& name_pos, const Node& tree,
                          bool active, const BuildContext& context, Reporter& r);

/// ExpandImages turns each active service with `image:` or `build:` into the native program of
/// its recipe (recipe.h): argv, environment, user, readiness, stop signal, working directory,
/// ports and container view, compose's own keys (written in `services`, the same trees the
/// drafts were built from) beating the image's. A service with no recipe and no command is an
/// error naming the ways out, unless it is not among the services to start (left out) or
/// --ignore-unavailable is given (left out with a warning). `model` holds x-stackvisor.recipes.
void ExpandImages(std::vector<ServiceDraft>& drafts, const Node& services, const Node& model,
                  const LoadOptions& options, const BuildContext& context, Reporter& r);

/// CheckDependencies reports unknown, inactive-required and cyclic dependencies among active
/// drafts and drops inactive optional ones.
void CheckDependencies(std::vector<ServiceDraft>& drafts, Reporter& r);

/// SummariseIgnoredKeys warns once per ignored key, at its first place, naming how many
/// services and which (the first few) carry it: one real file gave 186 warnings, one per key
/// per service, that buried everything else.
void SummariseIgnoredKeys(const std::vector<ServiceDraft>& drafts, Reporter& r);

/// CheckSockets reports a listen address given to two sockets of active services.
void CheckSockets(const std::vector<ServiceDraft>& drafts, Reporter& r);

/// What the container-view step learns per service (by service name as written, not
/// replica) that only the whole stack's list of names can use.
struct ContainerNames {
  std::string volumes_root;  // <state home>/<project>/volumes
  std::map<std::string, std::vector<std::string>> aliases;  // hostname, container_name, network aliases
  std::map<std::string, std::vector<std::string>> extra;    // its own hosts lines: links, extra_hosts
};

/// ApplyContainerViews reads each active draft's volumes, tmpfs, hostname, container_name,
/// links, extra_hosts and networks into Service::container (after the image step's mounts),
/// enabling the private view when any is present, with named volumes as directories of the
/// project's state directory; top_volumes is the top-level `volumes:` (may be null).
ContainerNames ApplyContainerViews(const Node& services, const Node* top_volumes,
                                   const std::string& project, std::vector<ServiceDraft>& drafts,
                                   const BuildContext& context, Reporter& r);

/// FinishContainerViews, once replicas are expanded: every enabled view gets the stack's names
/// as /etc/hosts lines (127.0.0.1), its host name, and its anonymous volumes' directories.
void FinishContainerViews(std::vector<Service>& services, const ContainerNames& names);

/// ApplyPorts fills each draft's Service::ports from its tree's `ports:` and `expose:` (in
/// `services`), merged by container port and protocol with the ports already there (an
/// image's defaults), then reports the binds that would clash at start: two active services on
/// one port and protocol with overlapping host addresses, and a service of several replicas
/// with a port no socket of its own shares (`counts`: the replica counts).
void ApplyPorts(const Node& services, std::vector<ServiceDraft>& drafts,
                const std::map<std::string, ReplicaCount>& counts, Reporter& r);

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
