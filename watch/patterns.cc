#include "watch/patterns.h"

#include <array>

namespace stackvisor::watch {
namespace {

// One element at pattern[p] against the character c: a literal, `?`, a class or an escape.
// Sets `width` to how many pattern characters the element took (0: the class is malformed and
// matches nothing).
bool ElementMatches(std::string_view pattern, size_t p, char c, size_t& width) {
  if (pattern[p] == '?') {
    width = 1;
    return true;
  }
  if (pattern[p] == '\\' && p + 1 < pattern.size()) {
    width = 2;
    return pattern[p + 1] == c;
  }
  if (pattern[p] != '[') {
    width = 1;
    return pattern[p] == c;
  }
  size_t i = p + 1;
  bool negate = i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^');
  if (negate) ++i;
  bool matched = false;
  bool first = true;
  for (; i < pattern.size() && (first || pattern[i] != ']'); first = false) {
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      if (hi == '\\' && i + 3 < pattern.size()) hi = pattern[++i + 2];
      i += 2;
    }
    if (lo <= c && c <= hi) matched = true;
    ++i;
  }
  if (i >= pattern.size()) {
    width = 0;  // no closing bracket
    return false;
  }
  width = i + 1 - p;
  return matched != negate;
}

bool MatchSegments(const std::vector<std::string>& pattern, size_t pi,
                   const std::vector<std::string>& path, size_t si, size_t path_end) {
  if (pi == pattern.size()) return si == path_end;
  if (pattern[pi] == "**") {
    for (size_t k = si; k <= path_end; ++k)
      if (MatchSegments(pattern, pi + 1, path, k, path_end)) return true;
    return false;
  }
  return si < path_end && GlobMatch(pattern[pi], path[si]) &&
         MatchSegments(pattern, pi + 1, path, si + 1, path_end);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view name) {
  // Backtracking over the last `*` only: enough, since a later `*` can absorb whatever an
  // earlier one would have.
  size_t p = 0, n = 0;
  size_t star = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    size_t width = 0;
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && ElementMatches(pattern, p, name[n], width) && width > 0) {
      p += width;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.emplace_back(seg);
    }
    start = end + 1;
  }
  return out;
}

PatternList::PatternList(const std::vector<std::string>& patterns) {
  for (const auto& text : patterns) {
    std::string_view view = text;
    while (!view.empty() && (view.front() == ' ' || view.front() == '\t')) view.remove_prefix(1);
    while (!view.empty() && (view.back() == ' ' || view.back() == '\t')) view.remove_suffix(1);
    Pattern pattern;
    if (!view.empty() && view.front() == '!') {
      pattern.negated = true;
      view.remove_prefix(1);
    }
    pattern.segments = SplitPath(view);
    // `**/**` means what `**` means; collapsing keeps the matcher's recursion shallow.
    std::vector<std::string> collapsed;
    for (auto& seg : pattern.segments)
      if (seg != "**" || collapsed.empty() || collapsed.back() != "**")
        collapsed.push_back(std::move(seg));
    pattern.segments = std::move(collapsed);
    if (!pattern.segments.empty()) patterns_.push_back(std::move(pattern));
  }
}

bool PatternList::Matches(std::string_view relative) const {
  const std::vector<std::string> path = SplitPath(relative);
  bool matched = false;
  for (const auto& pattern : patterns_) {
    if (matched != pattern.negated) continue;  // this pattern could not change the verdict
    for (size_t end = 1; end <= path.size(); ++end) {
      if (MatchSegments(pattern.segments, 0, path, 0, end)) {
        matched = !pattern.negated;
        break;
      }
    }
  }
  return matched;
}

bool AlwaysIgnored(std::string_view relative) {
  static constexpr std::array<std::string_view, 3> kDirs = {".git", "__pycache__", ".idea"};
  static constexpr std::array<std::string_view, 6> kSuffixes = {
      "~", ".swp", ".swx", ".swo", "___jb_tmp___", "___jb_old___"};
  for (const auto& seg : SplitPath(relative))
    for (auto dir : kDirs)
      if (seg == dir) return true;
  std::string_view base = relative;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
  if (base.empty()) return false;
  if (base == "4913") return true;  // vim's probe file, written to test that a dir is writable
  if (base.front() == '#' && base.size() > 1 && base.back() == '#') return true;  // emacs
  if (base.rfind(".#", 0) == 0) return true;                                      // emacs lock
  if (EndsWith(base, ".pyc") || EndsWith(base, ".pyo")) return true;
  for (auto suffix : kSuffixes) {
    // vim's swap files are hidden: `.views.py.swp`; a visible `x.swp` is someone's file.
    bool hidden_only = suffix.size() == 4 && suffix[0] == '.';
    if (EndsWith(base, suffix) && (!hidden_only || base.front() == '.')) return true;
  }
  return false;
}

}  // namespace stackvisor::watch
