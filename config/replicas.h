#pragma once
// Replicas: a service run as N processes. The loader expands `web` with a count of 3 into the
// services web-1..web-3 (ExpandReplicas); the supervisor, the API and the CLI then address a
// replica by its own name and the group by the service's (ResolveServiceName).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/manifest.h"

namespace stackvisor::config {

/// The most replicas one service may have: far beyond a host's use, short of a typo's 10^9.
inline constexpr int kMaxReplicas = 10000;

/// What each replica finds in its environment: its index (1..N) and N.
inline constexpr char kReplicaVariable[] = "STACKVISOR_REPLICA";
inline constexpr char kReplicasVariable[] = "STACKVISOR_REPLICAS";

/// ReplicaName is replica `index`'s name: "web-2", as compose names its containers' suffix.
std::string ReplicaName(std::string_view group, int index);

/// The count a service was given and where: `scale:`/`deploy.replicas` (pos and path in the
/// file) or `--scale web=3` (`source` says so; pos names no file).
struct ReplicaCount {
  int count = 1;
  SourcePos pos;
  std::string path;    // "services.web.scale"; empty for the command line
  std::string source;  // "--scale web=3", or empty for the file
};

/// ExpandReplicas replaces each service with a count by its replicas, in its place: N > 1
/// gives web-1..web-N, 1 keeps the name `web`, 0 removes the service (it is not started).
/// Each replica gets kReplicaVariable and kReplicasVariable in its environment (over the
/// user's) and replica_of/replica/replicas. A dependency on `web` becomes one on every replica
/// with the same condition; one on a service scaled to 0 is dropped, as compose does not wait
/// for it. A replica name that another service already has is an error at the count, and then
/// nothing is expanded. Pure: the manifest's services were built and their graph checked.
void ExpandReplicas(std::vector<Service>& services,
                    const std::map<std::string, ReplicaCount>& counts,
                    std::vector<Diagnostic>& diagnostics);

/// ResolveServiceName gives the services a name means, in manifest order: the service of that
/// name (a plain service, or one replica: `web-2`), else every replica of the group so named
/// (`web`). Empty when it names nothing. The one place names on the command line and in the
/// API are resolved.
std::vector<size_t> ResolveServiceName(const Manifest& manifest, std::string_view name);

}  // namespace stackvisor::config
