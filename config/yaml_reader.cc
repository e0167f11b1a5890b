// The one place that includes yaml-cpp: it turns a YAML document into the loader's own Node
// tree so that everything else is independent of yaml-cpp's API.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "config/tree.h"

namespace stackvisor::config {
namespace {

// Aliases can expand exponentially ("billion laughs") or refer to themselves (yaml-cpp then
// builds a cyclic graph); beyond these limits a file is not a manifest.
constexpr size_t kMaxNodes = 200000;
constexpr int kMaxDepth = 100;

/// Converter copies one yaml-cpp document into a Node tree, reporting what YAML itself allows
/// but a manifest cannot hold (non-string keys, duplicate keys).
class Converter {
 public:
  Converter(const std::string& file, std::vector<Diagnostic>& diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  Node Convert(const YAML::Node& in, const SourcePos& fallback) {
    Node out;
    if (++count_ > kMaxNodes || depth_ >= kMaxDepth) {
      if (!too_large_) Error(fallback, "document too large or too deep (recursive alias?)");
      too_large_ = true;
      return out;
    }
    out.pos = fallback;
    ++depth_;
    Fill(in, out);
    --depth_;
    return out;
  }

 private:
  // out.pos holds the fallback position on entry (the key's, for a value without a mark).
  void Fill(const YAML::Node& in, Node& out) {
    out.pos = Pos(in.Mark(), out.pos);
    const std::string& tag = in.Tag();
    if (tag == "!reset" || tag == "!override") out.tag = tag;
    switch (in.Type()) {
      case YAML::NodeType::Scalar:
        out.kind = Node::Kind::kScalar;
        out.value = in.Scalar();
        break;
      case YAML::NodeType::Sequence:
        out.kind = Node::Kind::kSequence;
        for (const auto& item : in) out.items.push_back(Convert(item, out.pos));
        break;
      case YAML::NodeType::Map:
        out.kind = Node::Kind::kMap;
        ConvertMap(in, out);
        break;
      default:
        break;  // Null, Undefined
    }
  }

  void ConvertMap(const YAML::Node& in, Node& out) {
    std::set<std::string> seen;
    std::vector<Node> merges;  // values of "<<" keys, applied after the explicit keys
    for (const auto& kv : in) {
      const SourcePos key_pos = Pos(kv.first.Mark(), out.pos);
      if (!kv.first.IsScalar()) {
        Error(key_pos, "expected a string key, got " +
                           std::string(kv.first.IsMap() ? "a mapping" : kv.first.IsSequence() ? "a list" : "null"));
        continue;
      }
      const std::string key = kv.first.Scalar();
      Node value = Convert(kv.second, key_pos);
      if (key == "<<" && kv.first.Tag() == "?") {
        merges.push_back(std::move(value));
        continue;
      }
      if (!seen.insert(key).second) {
        Error(key_pos, "duplicate key '" + key + "'");
        continue;
      }
      out.entries.push_back({key, key_pos, std::move(value)});
    }
    for (const Node& merge : merges) {
      if (merge.IsMap()) {
        MergeInto(merge, out, seen);
      } else if (merge.IsSequence()) {
        for (const Node& item : merge.items) {
          if (item.IsMap()) MergeInto(item, out, seen);
          else Error(item.pos, "'<<' expects mappings, got " + Describe(item));
        }
      } else {
        Error(merge.pos, "'<<' expects a mapping or a list of mappings, got " + Describe(merge));
      }
    }
  }

  // YAML merge keys: the explicit keys win, then earlier merged mappings win over later ones.
  static void MergeInto(const Node& from, Node& out, std::set<std::string>& seen) {
    for (const auto& e : from.entries)
      if (seen.insert(e.key).second) out.entries.push_back(e);
  }

  SourcePos Pos(const YAML::Mark& mark, const SourcePos& fallback) const {
    if (mark.line < 0) return fallback;
    return SourcePos{file_, mark.line + 1, mark.column + 1};
  }

  void Error(const SourcePos& pos, std::string message) {
    diagnostics_.push_back(
        {Diagnostic::Severity::kError, pos.file, pos.line, pos.column, "", std::move(message)});
  }

  const std::string& file_;
  std::vector<Diagnostic>& diagnostics_;
  size_t count_ = 0;
  int depth_ = 0;
  bool too_large_ = false;
};

}  // namespace

Node ReadYaml(const std::string& text, const std::string& file,
              std::vector<Diagnostic>& diagnostics) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, std::max(e.mark.line, 0) + 1,
                           std::max(e.mark.column, 0) + 1, "", "invalid YAML: " + e.msg});
    return Node{};
  }
  const SourcePos start{file, 1, 1};
  Node tree;
  try {
    tree = Converter(file, diagnostics).Convert(root, start);
  } catch (const YAML::Exception& e) {  // yaml-cpp may still throw while walking odd input
    diagnostics.push_back({Diagnostic::Severity::kError, file, 1, 1, "", "invalid YAML: " + e.msg});
    return Node{};
  }
  if (tree.IsNull()) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, 1, 1, "",
                           "the file is empty: expected a mapping with 'services'"});
  } else if (!tree.IsMap()) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, tree.pos.line, tree.pos.column, "",
                           "expected a mapping with 'services' at the top level, got " +
                               Describe(tree)});
    return Node{};
  }
  return tree;
}

}  // namespace stackvisor::config
