#include "watch/debounce.h"

#include <algorithm>
#include <utility>

namespace stackvisor::watch {

void Debouncer::Add(size_t rule, const std::string& relative, base::TimePoint now) {
  if (!pending()) first_ = now;
  last_ = now;
  ++batch_.changes;
  if (batch_.overflowed.count(rule) != 0) return;
  if (kept_ >= options_.max_paths) {
    // The rule's paths are dropped: "all of it changed" is what the action needs to know.
    auto it = batch_.paths.find(rule);
    if (it == batch_.paths.end() || it->second.count(relative) == 0) {
      if (it != batch_.paths.end()) {
        kept_ -= it->second.size();
        batch_.paths.erase(it);
      }
      batch_.overflowed.insert(rule);
    }
    return;
  }
  if (batch_.paths[rule].insert(relative).second) ++kept_;
}

base::TimePoint Debouncer::Deadline() const {
  if (!pending()) return base::TimePoint::max();
  return std::min(last_ + options_.quiet, first_ + options_.max_delay);
}

Batch Debouncer::Take() {
  kept_ = 0;
  return std::exchange(batch_, Batch{});
}

}  // namespace stackvisor::watch
