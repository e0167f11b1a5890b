#include "config/tree.h"

namespace stackvisor::config {

const Node* Node::Get(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

Node* Node::Get(std::string_view key) {
  for (auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

void Node::Set(const std::string& key, SourcePos key_pos, Node node) {
  if (Node* existing = Get(key)) {
    *existing = std::move(node);
    return;
  }
  entries.push_back({key, std::move(key_pos), std::move(node)});
}

void Node::Erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->key == key) {
      entries.erase(it);
      return;
    }
  }
}

std::string Describe(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull: return "null";
    case Node::Kind::kSequence: return "a list";
    case Node::Kind::kMap: return "a mapping";
    case Node::Kind::kScalar: break;
  }
  return Quote(node.value);
}

Node Scalar(std::string value, SourcePos pos) {
  Node node;
  node.kind = Node::Kind::kScalar;
  node.value = std::move(value);
  node.pos = std::move(pos);
  return node;
}

}  // namespace stackvisor::config
