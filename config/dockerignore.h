#pragma once
// .dockerignore, with the rules of Docker's pattern matcher: one pattern a line, '#' comments,
// '!' exceptions, a leading '/' ignored, '**' for any number of directories, and a pattern
// that matches a directory excluding everything under it. Pure: the caller reads the file.
#include <string>
#include <string_view>
#include <vector>

namespace stackvisor::config {

/// DockerIgnore answers whether a path of the build context is excluded. Built once per
/// context from the file's text; immutable afterwards.
class DockerIgnore {
 public:
  DockerIgnore() = default;
  explicit DockerIgnore(std::string_view text);

  bool empty() const { return patterns_.empty(); }
  /// Excluded tells whether `path` (relative to the context, '/'-separated, no "./") is left
  /// out of the context: the last pattern that matches it or one of its parents decides.
  bool Excluded(std::string_view path) const;

 private:
  struct Pattern {
    std::vector<std::string> segments;
    bool exception = false;
  };
  std::vector<Pattern> patterns_;
};

/// SplitPath cuts a relative path into its segments, dropping "." and empty ones and
/// resolving ".." (never above the start).
std::vector<std::string> SplitPath(std::string_view path);

/// MatchSegments matches path segments against pattern segments (fnmatch per segment, '**'
/// any number of segments).
bool MatchSegments(const std::vector<std::string>& pattern, size_t pi,
                   const std::vector<std::string>& path, size_t si);

}  // namespace stackvisor::config
