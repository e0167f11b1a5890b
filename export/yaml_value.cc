#include "export/yaml_value.h"

#include <cctype>

#include "export/common.h"

namespace stackvisor::exporter {

Value& Value::Set(const std::string& key, Value v) {
  for (auto& [k, existing] : items_)
    if (k == key) return existing = std::move(v);
  items_.emplace_back(key, std::move(v));
  return items_.back().second;
}

Value& Value::Push(Value v) {
  items_.emplace_back(std::string(), std::move(v));
  return items_.back().second;
}

Value* Value::Find(const std::string& key) {
  for (auto& [k, v] : items_)
    if (k == key) return &v;
  return nullptr;
}

void Value::Erase(const std::string& key) {
  for (auto it = items_.begin(); it != items_.end(); ++it)
    if (it->first == key) return void(items_.erase(it));
}

std::string Value::ScalarText() const {
  switch (kind_) {
    case Kind::kString: return JsonQuote(text_);
    case Kind::kInt: return std::to_string(number_);
    case Kind::kBool: return number_ != 0 ? "true" : "false";
    case Kind::kList: return "[]";
    case Kind::kMap: return "{}";
  }
  return "";
}

// inline_first: the first line continues a "- " already written by the parent list.
void Value::Print(std::string& out, int indent, bool inline_first) const {
  const std::string pad(static_cast<size_t>(indent), ' ');
  bool first = true;
  for (const auto& [key, v] : items_) {
    out += (first && inline_first) ? "" : pad;
    first = false;
    const bool leaf = v.Scalar() || v.empty();
    if (kind_ == Kind::kMap) {
      // Keys here are Kubernetes field names, label keys and env names: quote unless plain.
      bool plain = !key.empty();
      for (unsigned char c : key)
        if (!std::isalnum(c) && c != '_' && c != '-' && c != '.' && c != '/') plain = false;
      out += (plain ? key : JsonQuote(key)) + ":";
      if (leaf) {
        out += " " + v.ScalarText() + "\n";
      } else {
        out += "\n";
        v.Print(out, indent + 2, false);
      }
    } else {
      out += "-";
      if (leaf) {
        out += " " + v.ScalarText() + "\n";
      } else {
        out += " ";
        v.Print(out, indent + 2, true);
      }
    }
  }
}

std::string Value::Yaml() const {
  if (Scalar() || empty()) return ScalarText() + "\n";
  std::string out;
  Print(out, 0, false);
  return out;
}

}  // namespace stackvisor::exporter
