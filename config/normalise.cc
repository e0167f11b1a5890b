#include "config/load_steps.h"

namespace stackvisor::config {
namespace {

void InterpolateNode(Node& node, const std::string& path, const Variables& vars, Reporter& r) {
  switch (node.kind) {
    case Node::Kind::kScalar: {
      std::vector<InterpolationIssue> issues;
      node.value = Interpolate(node.value, vars, issues);
      for (const auto& issue : issues) {
        if (issue.error) r.Error(node.pos, path, issue.message);
        else r.Warning(node.pos, path, issue.message);
      }
      break;
    }
    case Node::Kind::kSequence:
      for (size_t i = 0; i < node.items.size(); ++i)
        InterpolateNode(node.items[i], path + "[" + std::to_string(i) + "]", vars, r);
      break;
    case Node::Kind::kMap:
      for (auto& e : node.entries)
        InterpolateNode(e.value, path.empty() ? e.key : path + "." + e.key, vars, r);
      break;
    case Node::Kind::kNull:
      break;
  }
}

// The list form of a key compose also takes as a map: the node becomes a map at the same
// place, and add(map, item, item_path) puts each item in it (or reports it).
template <typename Add>
void SequenceToMap(Node& node, const std::string& path, Add&& add) {
  if (!node.IsSequence()) return;
  Node map;
  map.kind = Node::Kind::kMap;
  map.pos = node.pos;
  map.tag = node.tag;
  for (size_t i = 0; i < node.items.size(); ++i)
    add(map, node.items[i], path + "[" + std::to_string(i) + "]");
  node = std::move(map);
}

// environment: [KEY=VALUE, KEY] -> {KEY: VALUE, KEY: null}
void NormaliseEnvironment(Node& node, const std::string& path, Reporter& r) {
  SequenceToMap(node, path, [&](Node& map, const Node& item, const std::string& item_path) {
    const size_t eq = item.IsScalar() ? item.value.find('=') : std::string::npos;
    const std::string key = item.IsScalar() ? item.value.substr(0, eq) : std::string();
    if (key.empty()) {
      r.Expected(item, item_path, "KEY=VALUE");
      return;
    }
    Node value;  // null: a bare KEY
    value.pos = item.pos;
    if (eq != std::string::npos) value = Scalar(item.value.substr(eq + 1), item.pos);
    map.Set(key, item.pos, std::move(value));
  });
}

// depends_on: [a, b] -> {a: null, b: null}
void NormaliseDependsOn(Node& node, const std::string& path, Reporter& r) {
  SequenceToMap(node, path, [&](Node& map, const Node& item, const std::string& item_path) {
    if (!item.IsScalar() || item.value.empty()) {
      r.Expected(item, item_path, "a service name");
      return;
    }
    Node value;
    value.pos = item.pos;
    map.Set(item.value, item.pos, std::move(value));
  });
}

void NormaliseService(Node& service, const std::string& path, Reporter& r) {
  if (!service.IsMap()) return;
  if (Node* env = service.Get("environment")) NormaliseEnvironment(*env, path + ".environment", r);
  if (Node* deps = service.Get("depends_on")) NormaliseDependsOn(*deps, path + ".depends_on", r);
}

}  // namespace

void InterpolateTree(Node& root, const Variables& vars, Reporter& r) {
  InterpolateNode(root, "", vars, r);
}

void NormaliseTree(Node& root, Reporter& r) {
  Node* services = root.Get("services");
  if (!services || !services->IsMap()) return;
  for (auto& e : services->entries) {
    const std::string path = "services." + e.key;
    NormaliseService(e.value, path, r);
    if (e.value.IsMap())
      if (Node* extra = e.value.Get("x-stackvisor")) NormaliseService(*extra, path, r);
  }
}

}  // namespace stackvisor::config
