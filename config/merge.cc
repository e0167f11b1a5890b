#include <set>

#include "config/load_steps.h"

namespace stackvisor::config {
namespace {

// Sequences under these keys are one value (an argv), so a later file replaces them.
bool ReplacesWhole(const std::string& key) {
  return key == "command" || key == "entrypoint" || key == "test";
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
    } else if (existing->IsMap() && value.IsMap()) {
      MergeTree(*existing, value);
    } else if (existing->IsSequence() && value.IsSequence() && !ReplacesWhole(entry.key)) {
      existing->items.insert(existing->items.end(), value.items.begin(), value.items.end());
    } else {
      *existing = value;
    }
  }
}

}  // namespace stackvisor::config
