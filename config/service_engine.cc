// The docker-only keys `up` warns about and ignores, kept for `stackvisor export`. Read
// leniently: a form this does not understand is not an error for `up` (docker would accept it),
// it is only listed in `ignored` so an export reports it instead of dropping it silently.
#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

std::string Field(const Node& map, std::string_view key) {
  const Node* n = map.Get(key);
  return n != nullptr && n->IsScalar() ? n->value : std::string();
}

// Long syntax {target, published, host_ip, protocol} in the short form's shape.
std::optional<std::string> PortItem(const Node& item) {
  if (item.IsScalar()) return item.value;
  if (!item.IsMap() || Field(item, "target").empty()) return std::nullopt;
  std::string out;
  if (!Field(item, "host_ip").empty()) out += Field(item, "host_ip") + ":";
  if (!Field(item, "published").empty()) out += Field(item, "published") + ":";
  out += Field(item, "target");
  if (!Field(item, "protocol").empty()) out += "/" + Field(item, "protocol");
  return out;
}

// Long syntax {type: volume|bind, source, target, read_only}.
std::optional<std::string> VolumeItem(const Node& item) {
  if (item.IsScalar()) return item.value;
  if (!item.IsMap() || Field(item, "target").empty()) return std::nullopt;
  std::string out = Field(item, "source").empty() ? "" : Field(item, "source") + ":";
  out += Field(item, "target");
  if (Field(item, "read_only") == "true") out += ":ro";
  return out;
}

bool ReadItems(const Node& node, std::vector<std::string>& into,
               std::optional<std::string> (*read)(const Node&)) {
  if (!node.IsSequence()) return false;
  std::vector<std::string> items;
  for (const Node& item : node.items) {
    auto text = read(item);
    if (!text) return false;
    items.push_back(*text);
  }
  into = std::move(items);
  return true;
}

}  // namespace

void ServiceBuilder::EngineKey(const MapEntry& entry) {
  EngineKeys& e = draft_.service.engine;
  bool kept = false;
  if (entry.key == "image" && entry.value.IsScalar()) {
    e.image = entry.value.value;
    kept = true;
  } else if (entry.key == "ports") {
    kept = ReadItems(entry.value, e.ports, PortItem);
  } else if (entry.key == "volumes") {
    kept = ReadItems(entry.value, e.volumes, VolumeItem);
  }
  if (!kept) e.ignored.push_back(entry.key);
}

}  // namespace stackvisor::config
