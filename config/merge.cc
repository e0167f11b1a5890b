#include <set>

#include "config/load_steps.h"

namespace stackvisor::config {
namespace {

// Sequences under these keys are one value (an argv), so a later file replaces them.
bool ReplacesWhole(const std::string& key) {
  return key == "command" || key == "entrypoint" || key == "test";
}

// A volume is one entry per container path: a later file's `./b:/src` replaces `./a:/src`
// (compose-go indexes volumes by target). Short syntax SRC:DST[:MODE] or DST; long syntax
// {target: ...}.
std::string VolumeTarget(const Node& item) {
  if (item.IsMap()) {
    const Node* target = item.Get("target");
    return target && target->IsScalar() ? target->value : std::string();
  }
  if (!item.IsScalar()) return "";
  const std::string& v = item.value;
  const size_t first = v.find(':');
  if (first == std::string::npos) return v;
  const size_t second = v.find(':', first + 1);
  return v.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
}

// What makes two items of a sequence the same entry, for the sequences compose keeps unique
// when files merge (its `unique` indexers); "" for the sequences that simply append.
std::string UniqueKey(const std::string& key, const Node& item) {
  if (key == "profiles") return item.IsScalar() ? item.value : std::string();
  if (key == "env_file") {
    if (item.IsScalar()) return item.value;
    const Node* path = item.IsMap() ? item.Get("path") : nullptr;
    return path && path->IsScalar() ? path->value : std::string();
  }
  if (key == "volumes") return VolumeTarget(item);
  if (key == "ports" || key == "expose" || key == "tmpfs" || key == "links" ||
      key == "extra_hosts" || key == "dns" || key == "cap_add" || key == "cap_drop")
    return item.IsScalar() ? item.value : std::string();
  return "";
}

// Appends over's items; an item equal (by UniqueKey) to an earlier one replaces it in place,
// as compose-go's EnforceUnicity does.
void AppendItems(Node& existing, const Node& over, const std::string& key) {
  for (const Node& item : over.items) {
    const std::string unique = UniqueKey(key, item);
    bool replaced = false;
    if (!unique.empty()) {
      for (Node& earlier : existing.items) {
        if (UniqueKey(key, earlier) == unique) {
          earlier = item;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) existing.items.push_back(item);
  }
}

// env_file: a.env is [a.env] when files merge, so that a later file's env_file adds to it
// (compose's mergeToSequence) instead of replacing it. A single file keeps its own shape, so
// messages name `env_file`, not `env_file[0]`.
Node AsSequence(const Node& node) {
  if (!node.IsScalar()) return node;
  Node list;
  list.kind = Node::Kind::kSequence;
  list.pos = node.pos;
  list.items.push_back(node);
  return list;
}

}  // namespace

void MergeTree(Node& base, const Node& over) {
  if (!base.IsMap() || !over.IsMap()) {
    base = over;
    return;
  }
  for (const auto& entry : over.entries) {
    const Node& value = entry.value;
    if (value.tag == "!reset") {
      base.Erase(entry.key);
      continue;
    }
    Node* existing = base.Get(entry.key);
    if (!existing || value.tag == "!override") {
      base.Set(entry.key, entry.key_pos, value);
    } else if (entry.key == "env_file" && (existing->IsScalar() || value.IsScalar()) &&
               !existing->IsMap() && !value.IsMap() && !existing->IsNull() && !value.IsNull()) {
      *existing = AsSequence(*existing);
      AppendItems(*existing, AsSequence(value), entry.key);
    } else if (existing->IsMap() && value.IsMap()) {
      MergeTree(*existing, value);
    } else if (existing->IsSequence() && value.IsSequence() && !ReplacesWhole(entry.key)) {
      AppendItems(*existing, value, entry.key);
    } else {
      *existing = value;
    }
  }
}

}  // namespace stackvisor::config
