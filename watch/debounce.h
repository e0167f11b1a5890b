#pragma once
// Debouncing: a burst of changes (an editor's save, a `git checkout`) becomes one batch. Pure:
// the caller passes the time, so tests drive it with a fake clock.
#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "base/clock.h"

namespace stackvisor::watch {

struct DebounceOptions {
  base::Duration quiet{500};       // a batch is due once nothing changed for this long
  base::Duration max_delay{5000};  // ... or this long after its first change, whatever comes
  size_t max_paths = 4096;         // distinct paths kept per batch; past it: "everything"
};

/// One batch of changes: for each rule (by id), the paths relative to its path. A rule in
/// `overflowed` saw more changes than the batch keeps: treat its whole path as changed.
struct Batch {
  std::map<size_t, std::set<std::string>> paths;
  std::set<size_t> overflowed;
  size_t changes = 0;  // every Add, duplicates and dropped paths included

  bool empty() const { return paths.empty() && overflowed.empty(); }
};

/// Debouncer collects changes into the pending batch and says when it is due: `quiet` after the
/// last change, but no later than `max_delay` after the first, so a stream of changes that never
/// pauses still gets acted on. Memory is bounded by max_paths. A value type; loop thread only.
class Debouncer {
 public:
  explicit Debouncer(DebounceOptions options = {}) : options_(options) {}

  void Add(size_t rule, const std::string& relative, base::TimePoint now);
  /// When the pending batch is due; TimePoint::max() when nothing is pending.
  base::TimePoint Deadline() const;
  bool Due(base::TimePoint now) const { return pending() && now >= Deadline(); }
  bool pending() const { return !batch_.empty(); }
  /// Hands over the pending batch and starts an empty one.
  Batch Take();

 private:
  DebounceOptions options_;
  Batch batch_;
  size_t kept_ = 0;
  base::TimePoint first_{};
  base::TimePoint last_{};
};

}  // namespace stackvisor::watch
