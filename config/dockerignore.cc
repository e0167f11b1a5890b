#include "config/dockerignore.h"

#include <fnmatch.h>

namespace stackvisor::config {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string part(path.substr(i, end - i));
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    i = end + 1;
  }
  return parts;
}

bool MatchSegments(const std::vector<std::string>& pattern, size_t pi,
                   const std::vector<std::string>& path, size_t si) {
  if (pi == pattern.size()) return si == path.size();
  if (pattern[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k) {
      if (MatchSegments(pattern, pi + 1, path, k)) return true;
    }
    return false;
  }
  if (si == path.size()) return false;
  if (::fnmatch(pattern[pi].c_str(), path[si].c_str(), 0) != 0) return false;
  return MatchSegments(pattern, pi + 1, path, si + 1);
}

DockerIgnore::DockerIgnore(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(i, end - i);
    i = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    Pattern p;
    if (line.front() == '!') {
      p.exception = true;
      line.remove_prefix(1);
    }
    for (std::string& seg : SplitPath(line)) {
      // "**/**" is "**": collapsing keeps matching polynomial.
      if (seg == "**" && !p.segments.empty() && p.segments.back() == "**") continue;
      p.segments.push_back(std::move(seg));
    }
    if (p.segments.empty()) continue;  // "/" or "." would exclude the context itself
    patterns_.push_back(std::move(p));
  }
}

bool DockerIgnore::Excluded(std::string_view path) const {
  const std::vector<std::string> segments = SplitPath(path);
  bool excluded = false;
  for (const Pattern& p : patterns_) {
    // The pattern may match the path itself or any directory above it.
    bool match = false;
    for (size_t n = 1; n <= segments.size() && !match; ++n) {
      std::vector<std::string> prefix(segments.begin(), segments.begin() + static_cast<long>(n));
      match = MatchSegments(p.segments, 0, prefix, 0);
    }
    if (match) excluded = !p.exception;
  }
  return excluded;
}

}  // namespace stackvisor::config
