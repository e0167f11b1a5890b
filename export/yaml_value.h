#pragma once
// A small document tree for the Kubernetes export, printed as block YAML. Kept inside export/
// so yaml-cpp stays in config/ alone; strings are always double-quoted (JSON escapes), so no
// value can be misread as a number, a boolean or null.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace stackvisor::exporter {

/// Value is a string, integer, boolean, list or map (keys in insertion order). Plain value
/// type; `Set` and `Push` return the new child so trees are built top-down.
class Value {
 public:
  enum class Kind { kString, kInt, kBool, kList, kMap };

  static Value Map() { return Value(Kind::kMap); }
  static Value List() { return Value(Kind::kList); }
  Value(const std::string& s) : kind_(Kind::kString), text_(s) {}  // NOLINT: implicit on purpose
  Value(const char* s) : kind_(Kind::kString), text_(s) {}         // NOLINT
  Value(int64_t n) : kind_(Kind::kInt), number_(n) {}              // NOLINT
  Value(int n) : kind_(Kind::kInt), number_(n) {}                  // NOLINT
  static Value Bool(bool b) {
    Value v(Kind::kBool);
    v.number_ = b ? 1 : 0;
    return v;
  }

  Value& Set(const std::string& key, Value v);  // map: appends key (or replaces it)
  Value& Push(Value v);                          // list: appends
  Value* Find(const std::string& key);
  void Erase(const std::string& key);
  bool empty() const { return items_.empty(); }

  /// Yaml prints the value as a block YAML document body (no "---").
  std::string Yaml() const;

 private:
  explicit Value(Kind k) : kind_(k) {}
  bool Scalar() const { return kind_ != Kind::kList && kind_ != Kind::kMap; }
  std::string ScalarText() const;
  void Print(std::string& out, int indent, bool inline_first) const;

  Kind kind_;
  std::string text_;
  int64_t number_ = 0;
  std::vector<std::pair<std::string, Value>> items_;  // map entries; lists use .second only
};

}  // namespace stackvisor::exporter
