#pragma once
// From changed paths to what to do: which rule takes a path, and per service which files to
// sync and whether to restart. Pure: no file system access, no loop.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"
#include "watch/debounce.h"
#include "watch/patterns.h"

namespace stackvisor::watch {

/// One develop.watch rule of one service, with its patterns compiled.
struct Rule {
  size_t service = 0;  // index in Manifest::services
  config::WatchRule spec;
  PatternList ignore;
  PatternList include;
};

/// RuleSet holds every watch rule of a manifest, numbered in service then file order (the
/// rule ids Debouncer and Batch use). A value type built once; it never changes.
class RuleSet {
 public:
  explicit RuleSet(const config::Manifest& manifest);

  const std::vector<Rule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }
  /// The path relative to rule `id`'s path if the rule looks at `absolute` ("" for the rule's
  /// own file), nullopt when it is outside the path, always ignored, ignored by the rule or not
  /// included by it.
  std::optional<std::string> Take(size_t id, const std::string& absolute) const;
  /// Whether a directory below rule `id`'s path is worth watching: not always ignored, not
  /// ignored by the rule. (`include` does not prune: `**/*.py` needs every directory.)
  bool Descend(size_t id, const std::string& absolute_dir) const;

 private:
  std::optional<std::string> Relative(size_t id, const std::string& absolute) const;
  std::vector<Rule> rules_;
};

/// Files one rule has to copy: `paths` relative to the rule's path, or its whole path.
struct SyncWork {
  size_t rule = 0;
  std::vector<std::string> paths;
  bool everything = false;
};

/// What one service gets for a batch.
struct ServiceWork {
  size_t service = 0;
  std::vector<SyncWork> syncs;   // in rule order, each rule with a target
  bool restart = false;          // some rule of it restarts (restart, sync+restart, rebuild)
  std::vector<std::string> changed;  // up to kShownPaths paths for the log line, project-relative
  size_t change_count = 0;           // distinct paths (overflowed rules count as one)
};

inline constexpr size_t kShownPaths = 3;

/// PlanWork turns a batch into work per service, in service order; services whose rules saw
/// nothing are absent. `project_directory` shortens the paths shown.
std::vector<ServiceWork> PlanWork(const RuleSet& rules, const Batch& batch,
                                  const std::string& project_directory);

}  // namespace stackvisor::watch
