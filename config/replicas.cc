#include "config/replicas.h"

#include <set>

#include "config/report.h"

namespace stackvisor::config {

std::string ReplicaName(std::string_view group, int index) {
  return std::string(group) + "-" + std::to_string(index);
}

namespace {

// Replica names must not be names of other services: `web-2` would then mean two things.
bool CheckNames(const std::vector<Service>& services,
                const std::map<std::string, ReplicaCount>& counts, Reporter& r) {
  std::set<std::string_view> names;
  for (const auto& s : services) names.insert(s.name);
  bool ok = true;
  for (const auto& [group, c] : counts) {
    if (c.count < 2 || !names.contains(group)) continue;
    for (int i = 1; i <= c.count; ++i) {
      const std::string name = ReplicaName(group, i);
      if (!names.contains(name)) continue;
      const std::string prefix = c.source.empty() ? "" : c.source + ": ";
      r.Error(c.pos, c.path,
              prefix + std::to_string(c.count) + " replicas of " + Quote(group) + " are named " +
                  ReplicaName(group, 1) + ".." + ReplicaName(group, c.count) + ", but " +
                  Quote(name) + " is another service: rename one of them");
      ok = false;
      break;
    }
  }
  return ok;
}

std::vector<Dependency> ExpandDependencies(const std::vector<Dependency>& deps,
                                           const std::map<std::string, ReplicaCount>& counts) {
  std::vector<Dependency> out;
  for (const auto& d : deps) {
    auto it = counts.find(d.service);
    if (it == counts.end() || it->second.count == 1) {
      out.push_back(d);
      continue;
    }
    for (int i = 1; i <= it->second.count; ++i) {
      out.push_back(d);
      out.back().service = ReplicaName(d.service, i);
    }
  }
  return out;
}

}  // namespace

void ExpandReplicas(std::vector<Service>& services,
                    const std::map<std::string, ReplicaCount>& counts,
                    std::vector<Diagnostic>& diagnostics) {
  Reporter r(diagnostics);
  if (counts.empty() || !CheckNames(services, counts, r)) return;
  std::vector<Service> out;
  out.reserve(services.size());
  for (auto& s : services) {
    s.depends_on = ExpandDependencies(s.depends_on, counts);
    auto it = counts.find(s.name);
    if (it == counts.end()) {
      out.push_back(std::move(s));
      continue;
    }
    const int n = it->second.count;
    for (int i = 1; i <= n; ++i) {
      Service replica = s;
      if (n > 1) replica.name = ReplicaName(s.name, i);
      replica.replica_of = s.name;
      replica.replica = i;
      replica.replicas = n;
      replica.environment[kReplicaVariable] = std::to_string(i);
      replica.environment[kReplicasVariable] = std::to_string(n);
      out.push_back(std::move(replica));
    }
  }
  services = std::move(out);
}

std::vector<size_t> ResolveServiceName(const Manifest& manifest, std::string_view name) {
  const auto& services = manifest.services;
  if (name.empty()) return {};  // every plain service has replica_of ""
  for (size_t i = 0; i < services.size(); ++i)
    if (services[i].name == name) return {i};
  std::vector<size_t> group;
  for (size_t i = 0; i < services.size(); ++i)
    if (services[i].replica_of == name) group.push_back(i);
  return group;
}

}  // namespace stackvisor::config
