// The project level: top-level keys, the project name, x-stackvisor overlays and profiles.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string_view>

#include "config/comma_list.h"
#include "config/load_steps.h"
#include "config/port_spec.h"
#include "config/replicas.h"

namespace stackvisor::config {

bool IsValidProjectName(const std::string& name) {
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])) ||
                        std::isdigit(static_cast<unsigned char>(name[0]))))
    return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
  });
}

// As compose does for a directory name: lowercase, drop what a project name cannot hold.
std::string NormaliseProjectName(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) {
    c = static_cast<unsigned char>(std::tolower(c));
    if (std::islower(c) || std::isdigit(c) || ((c == '-' || c == '_') && !out.empty())) out += c;
  }
  return out.empty() ? "default" : out;
}

namespace {

const std::vector<std::string> kTopLevelKeys = {"include", "name", "services", "version"};
const std::vector<std::string> kDockerTopLevelKeys = {"networks", "secrets", "configs", "models"};

bool IsValidServiceName(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

// stackvisor's own events carry this name as their prefix ("stackvisor | db: healthy ..."); a
// service of that name, in any case, could print lines no reader could tell from real events.
bool IsReservedServiceName(const std::string& name) {
  constexpr std::string_view kOwn = "stackvisor";
  return name.size() == kOwn.size() &&
         std::equal(name.begin(), name.end(), kOwn.begin(), [](unsigned char a, char b) {
           return std::tolower(a) == b;
         });
}

std::vector<std::string> ProfilesOf(const Node& service) {
  std::vector<std::string> out;
  const Node* profiles = service.IsMap() ? service.Get("profiles") : nullptr;
  if (profiles && profiles->IsSequence())
    for (const auto& item : profiles->items)
      if (item.IsScalar()) out.push_back(item.value);
  return out;
}

void TopLevel(const Node& merged, Reporter& r) {
  for (const auto& e : merged.entries) {
    const std::string& key = e.key;
    if (key == "name" || key == "services" || key == "version" || key == "volumes" ||
        key.rfind("x-", 0) == 0)
      continue;
    if (std::find(kDockerTopLevelKeys.begin(), kDockerTopLevelKeys.end(), key) !=
               kDockerTopLevelKeys.end()) {
      r.Warning(e.key_pos, key, "ignored: stackvisor runs native processes");
    } else {
      r.Error(e.key_pos, key, "unknown key" + DidYouMean(key, kTopLevelKeys));
    }
  }
}

// Compose's order: -p, then COMPOSE_PROJECT_NAME, then the top-level `name`, then the
// directory, so one file can run as two projects side by side.
std::string ProjectName(const Node& merged, const LoadOptions& options,
                        const BuildContext& context, Reporter& r) {
  const Node* name = merged.Get("name");
  if (!options.project_name.empty()) {
    if (IsValidProjectName(options.project_name)) return options.project_name;
    r.Error(SourcePos{kNoFile, 0, 0}, "",
            "invalid project name " + Quote(options.project_name) +
                " given with -p/--project-name: expected lowercase letters, digits, '-' and "
                "'_', starting with a letter or digit");
    return "default";
  }
  auto it = context.variables.find("COMPOSE_PROJECT_NAME");
  if (it != context.variables.end() && !it->second.empty()) return NormaliseProjectName(it->second);
  if (name != nullptr) {
    auto text = ReadString(*name, "name", r);
    if (text && IsValidProjectName(*text)) return *text;
    if (text)
      r.Expected(*name, "name",
                 "lowercase letters, digits, '-' and '_', starting with a letter or digit");
    return "default";
  }
  return NormaliseProjectName(std::filesystem::path(context.project_directory).filename());
}

// x-stackvisor is merged over its service, so a file can stay valid for docker compose.
void ApplyOverlay(Node& service, const std::string& path, Reporter& r) {
  if (!service.IsMap()) return;
  const Node* extra = service.Get("x-stackvisor");
  if (!extra) return;
  if (!extra->IsMap() && !extra->IsNull()) {
    r.Expected(*extra, path + ".x-stackvisor", "a mapping");
    return;
  }
  const Node overlay = *extra;
  service.Erase("x-stackvisor");
  MergeTree(service, overlay);
}

// The replica counts: the file's (`scale:`, `deploy.replicas`), then `--scale`, which beats them.
std::map<std::string, ReplicaCount> ReplicaCounts(const std::vector<ServiceDraft>& drafts,
                                                  const LoadOptions& options,
                                                  const std::vector<std::string>& names,
                                                  Reporter& r) {
  std::map<std::string, ReplicaCount> counts;
  for (const auto& d : drafts)
    if (d.active && d.replicas)
      counts[d.service.name] = {*d.replicas, d.replicas_pos, d.replicas_path, ""};
  for (const auto& [name, count] : options.scale) {
    const std::string source = "--scale " + name + "=" + std::to_string(count);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      r.Error(SourcePos{kNoFile, 0, 0}, "",
              source + ": no such service: " + Quote(name) + DidYouMean(name, names));
    } else if (count < 0 || count > kMaxReplicas) {
      r.Error(SourcePos{kNoFile, 0, 0}, "",
              source + ": expected a count from 0 to " + std::to_string(kMaxReplicas));
    } else {
      counts[name] = {count, SourcePos{kNoFile, 0, 0}, "", source};
    }
  }
  return counts;
}

}  // namespace

Manifest BuildProject(Node& merged, const LoadOptions& options, const BuildContext& context,
                      const std::vector<std::string>& files, Reporter& r) {
  Manifest manifest;
  manifest.project_directory = context.project_directory;
  manifest.files = files;
  TopLevel(merged, r);
  manifest.name = ProjectName(merged, options, context, r);

  Node* services = merged.Get("services");
  if (!services || services->IsNull() || (services->IsMap() && services->entries.empty())) {
    r.Error(services ? services->pos : merged.pos, "services", "no services defined");
    return manifest;
  }
  if (!services->IsMap()) {
    r.Expected(*services, "services", "a mapping of service names to services");
    return manifest;
  }
  std::vector<std::string> names;
  for (auto& e : services->entries) {
    names.push_back(e.key);
    ApplyOverlay(e.value, "services." + e.key, r);
  }

  // Active profiles: --profile, COMPOSE_PROFILES, and those of services named on the command line.
  std::set<std::string> active(options.profiles.begin(), options.profiles.end());
  if (auto it = context.variables.find("COMPOSE_PROFILES"); it != context.variables.end())
    for (const auto& p : SplitCommaList(it->second)) active.insert(p);
  for (const auto& wanted : options.services) {
    const Node* service = services->Get(wanted);
    // `up web-2`: a replica's profiles are its service's (whether web has 2 replicas is only
    // known once every service is built; selection checks that).
    const auto dash = wanted.rfind('-');
    if (!service && dash != std::string::npos && dash + 1 < wanted.size() &&
        wanted.find_first_not_of("0123456789", dash + 1) == std::string::npos)
      service = services->Get(std::string_view(wanted).substr(0, dash));
    if (!service) {
      r.Error(SourcePos{kNoFile, 0, 0}, "",
              "no such service: " + Quote(wanted) + DidYouMean(wanted, names));
      continue;
    }
    for (const auto& p : ProfilesOf(*service)) active.insert(p);
  }
  const bool all = active.count("*") > 0;

  std::vector<ServiceDraft> drafts;
  for (const auto& e : services->entries) {
    const std::string path = "services." + e.key;
    if (!IsValidServiceName(e.key))
      r.Error(e.key_pos, path,
              "invalid service name: expected letters, digits, '_', '.' and '-', starting with a "
              "letter or digit");
    else if (IsReservedServiceName(e.key))
      r.Error(e.key_pos, path,
              "service name " + Quote(e.key) +
                  " is reserved for stackvisor's own events; rename the service");
    const auto profiles = ProfilesOf(e.value);
    const bool is_active = all || profiles.empty() ||
                           std::any_of(profiles.begin(), profiles.end(),
                                       [&](const std::string& p) { return active.count(p) > 0; });
    drafts.push_back(BuildService(e.key, e.key_pos, e.value, is_active, context, r));
  }
  // Images and builds become native programs before anything checks the graph (issue 12).
  ExpandImages(drafts, *services, merged, options, context, r);
  for (auto& d : drafts)
    if (d.active && d.user_problem)
      r.Error(d.user_problem->pos, "services." + d.service.name + ".user",
              d.user_problem->message);
  // After the image step: volumes are mounted over the image's content.
  const ContainerNames container_names =
      ApplyContainerViews(*services, merged.Get("volumes"), manifest.name, drafts, context, r);
  SummariseIgnoredKeys(drafts, r);
  CheckDependencies(drafts, r);
  CheckSockets(drafts, r);
  const auto counts = ReplicaCounts(drafts, options, names, r);
  ApplyPorts(*services, drafts, counts, r);
  for (auto& d : drafts)
    if (!d.listen_env.empty() && d.service.environment.count(d.listen_env) == 0)
      d.service.environment[d.listen_env] = ListenAddresses(d.service.ports);
  for (auto& d : drafts)
    if (d.active) manifest.services.push_back(std::move(d.service));
  // After the graph checks, so their messages name the services as written (`web`, not web-2).
  ExpandReplicas(manifest.services, counts, r.diagnostics());
  FinishContainerViews(manifest.services, container_names);
  return manifest;
}

}  // namespace stackvisor::config
