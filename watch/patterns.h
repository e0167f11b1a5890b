#pragma once
// Which changed paths a develop.watch rule looks at: .dockerignore patterns (compose's syntax
// for `ignore` and `include`) and the files every watch skips. Pure: no file system access.
#include <string>
#include <string_view>
#include <vector>

namespace stackvisor::watch {

/// GlobMatch matches one path segment against one pattern segment: `*` (any run of
/// characters), `?` (one character), `[abc]`, `[a-z]`, `[!a]`/`[^a]`, `\` escapes.
bool GlobMatch(std::string_view pattern, std::string_view name);

/// PatternList is a list of .dockerignore patterns, matched against '/'-separated paths
/// relative to a rule's path. As in .dockerignore: `**` matches any number of directories, a
/// pattern that matches a directory matches everything below it, patterns are cleaned (`./a/`
/// is `a`), and a later `!pattern` takes back what earlier ones matched. A value type.
class PatternList {
 public:
  PatternList() = default;
  explicit PatternList(const std::vector<std::string>& patterns);

  bool empty() const { return patterns_.empty(); }
  /// Whether the last pattern that matches `relative` or one of its parent directories is a
  /// plain (not `!`) one.
  bool Matches(std::string_view relative) const;

 private:
  struct Pattern {
    std::vector<std::string> segments;
    bool negated = false;
  };
  std::vector<Pattern> patterns_;
};

/// Whether a path is skipped by every watch, whatever its rule says: anything in `.git`,
/// `__pycache__` or `.idea`, compiled Python, and editors' swap, backup and lock files (vim
/// `.x.swp` and `4913`, emacs `#x#` and `.#x`, `x~`, JetBrains `x___jb_tmp___`).
bool AlwaysIgnored(std::string_view relative);

/// Splits a '/'-separated path into its non-empty segments, dropping `.` and resolving `..`
/// lexically.
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace stackvisor::watch
