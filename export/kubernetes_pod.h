#pragma once
// Internal to the Kubernetes export: one service as a container, and the names it uses.
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"
#include "export/bundle.h"
#include "export/yaml_value.h"

namespace stackvisor::exporter::k8s {

struct Port {
  int target = 0;
  int published = 0;
  std::string protocol = "TCP";
};

/// ParsePort reads "[[IP:]PUBLISHED:]TARGET[/PROTO]"; ranges and other forms give nullopt.
std::optional<Port> ParsePort(const std::string& text);

/// DnsName makes a service name a valid object name (DNS-1123: lowercase, digits, '-').
std::string DnsName(const std::string& name);

/// Whether a service's environment has values of each kind (ConfigMap / Secret).
bool HasPlainEnv(const config::Service& s);
bool HasSecretEnv(const config::Service& s);

/// ObjectName prefixes the project: "<project>-<service>", DNS-safe.
std::string ObjectName(const config::Manifest& m, const std::string& service);

/// Labels selects one service's pods.
Value Labels(const config::Manifest& m, const config::Service& s);

/// Container maps a service to a container: image, command, env (envFrom), securityContext,
/// ports, probes (when `probes`) and volume mounts; what it cannot map goes to `unmapped`.
Value Container(const config::Manifest& m, const config::Service& s, bool probes,
                std::vector<Unmapped>& unmapped);

/// NamedVolumes lists the named volumes a service mounts ("data" of "data:/var/lib/x").
std::vector<std::string> NamedVolumes(const config::Service& s);

/// Seconds rounds a duration up to whole seconds, at least `min`, for probe fields.
int64_t Seconds(config::Duration d, int64_t min = 1);

}  // namespace stackvisor::exporter::k8s
