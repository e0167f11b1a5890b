// `scale:` and `deploy.replicas`: how many processes a service runs. The count is only read
// here; config/replicas.cc turns a service into its replicas once every service is built.
#include <string>

#include "config/replicas.h"
#include "config/service_builder.h"

namespace stackvisor::config {

void ServiceBuilder::Scale(const MapEntry& entry) {
  auto count = ReadInt(entry.value, Path("scale"), r_, 0, kMaxReplicas);
  if (count) SetReplicas(static_cast<int>(*count), entry.key_pos, "scale");
}

// Of compose's deploy section only `replicas` means something for native processes; the rest
// (resources, placement, restart_policy, ...) is a container engine's and is ignored by name.
void ServiceBuilder::Deploy(const MapEntry& entry) {
  const Node& deploy = entry.value;
  if (deploy.IsNull()) return;
  if (!deploy.IsMap()) return r_.Expected(deploy, Path("deploy"), "a mapping");
  for (const auto& e : deploy.entries) {
    const std::string key = "deploy." + e.key;
    if (e.key == "replicas") {
      auto count = ReadInt(e.value, Path(key), r_, 0, kMaxReplicas);
      if (count) SetReplicas(static_cast<int>(*count), e.key_pos, key);
    } else {
      r_.Warning(e.key_pos, Path(key), "ignored: stackvisor runs native processes");
      draft_.service.engine.ignored.push_back(key);
    }
  }
}

// Compose accepts both keys only when they agree.
void ServiceBuilder::SetReplicas(int count, const SourcePos& pos, const std::string& key) {
  if (draft_.replicas && *draft_.replicas != count) {
    return r_.Error(pos, Path(key),
                    std::to_string(count) + " replicas, but " + replicas_key_ + " gives " +
                        std::to_string(*draft_.replicas) + ": give one count, or the same");
  }
  draft_.replicas = count;
  draft_.replicas_pos = pos;
  draft_.replicas_path = Path(key);
  replicas_key_ = key;
}

}  // namespace stackvisor::config
