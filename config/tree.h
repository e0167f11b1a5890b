#pragma once
// The loader's own YAML document model, so that only yaml_reader.cc sees yaml-cpp. Internal to
// config/: interpolation, merge and validation work on these trees.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/manifest.h"

namespace stackvisor::config {

struct MapEntry;

/// Node is one YAML value with the place it was written. Maps keep their keys in file order.
/// Trees are plain values: copying one copies the whole subtree.
struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string value;        // kScalar: the text, after interpolation once that ran
  std::string tag;          // "!reset", "!override", or empty
  SourcePos pos;            // where the value starts
  std::vector<Node> items;  // kSequence
  std::vector<MapEntry> entries;  // kMap

  bool IsMap() const { return kind == Kind::kMap; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsNull() const { return kind == Kind::kNull; }

  const Node* Get(std::string_view key) const;
  Node* Get(std::string_view key);
  // Sets key to value: replaces an existing entry in place, appends otherwise.
  void Set(const std::string& key, SourcePos key_pos, Node value);
  void Erase(std::string_view key);
};

struct MapEntry {
  std::string key;
  SourcePos key_pos;
  Node value;
};

/// ReadYaml parses one YAML document from text. Problems (syntax, duplicate keys, non-string
/// keys, a document that is not a mapping) are appended to diagnostics with `file` as given;
/// the returned tree holds whatever could be read (a null node on a syntax error).
Node ReadYaml(const std::string& text, const std::string& file,
              std::vector<Diagnostic>& diagnostics);

/// The outcome of ReadTopLevelScalar: usable false when the file does not parse or the key's
/// value is not a plain scalar (a mapping, an alias, a tag, or under a `<<` merge key).
struct TopLevelScalar {
  bool usable = false;
  std::optional<std::string> value;  // usable: the key's value, nullopt when there is no key
};

/// ReadTopLevelScalar reads only the value of one key of the document's top mapping, stopping
/// as soon as it is seen; nothing else is checked. For finding a project without loading it.
TopLevelScalar ReadTopLevelScalar(const std::string& text, std::string_view key);

/// Describe names a node's type for "expected X, got Y" messages: "a mapping", "a list",
/// "null", or "'text'".
std::string Describe(const Node& node);

/// Scalar makes a scalar node, for trees built by normalisation.
Node Scalar(std::string value, SourcePos pos);

}  // namespace stackvisor::config
