#include "config/report.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "config/duration.h"

namespace stackvisor::config {

void Reporter::Error(const SourcePos& at, const std::string& path, std::string message) {
  ++errors_;
  const SourcePos& pos = Where(at);
  out_.push_back({Diagnostic::Severity::kError, pos.file, pos.line, pos.column, path,
                  std::move(message)});
}

void Reporter::Warning(const SourcePos& at, const std::string& path, std::string message) {
  const SourcePos& pos = Where(at);
  out_.push_back({Diagnostic::Severity::kWarning, pos.file, pos.line, pos.column, path,
                  std::move(message)});
}

void Reporter::Expected(const Node& got, const std::string& path, const std::string& what) {
  Error(got.pos, path, "expected " + what + ", got " + Describe(got));
}

std::optional<std::string> ReadString(const Node& node, const std::string& path, Reporter& r) {
  if (node.IsScalar()) return node.value;
  r.Expected(node, path, "a string");
  return std::nullopt;
}

std::optional<bool> ReadBool(const Node& node, const std::string& path, Reporter& r) {
  if (node.IsScalar()) {
    std::string v = node.value;
    std::transform(v.begin(), v.end(), v.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // YAML 1.1 booleans, which is what compose files are written against.
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
  }
  r.Expected(node, path, "true or false");
  return std::nullopt;
}

std::optional<long> ReadInt(const Node& node, const std::string& path, Reporter& r, long min,
                            long max) {
  if (node.IsScalar() && !node.value.empty()) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(node.value.c_str(), &end, 10);
    if (*end == '\0' && errno == 0 && v >= min && v <= max) return v;
  }
  std::string what = "an integer";
  if (min == 0) what = "a non-negative integer";
  else if (min == 1) what = "a positive integer";
  r.Expected(node, path, what);
  return std::nullopt;
}

std::optional<double> ReadNumber(const Node& node, const std::string& path, Reporter& r) {
  if (node.IsScalar() && !node.value.empty()) {
    char* end = nullptr;
    const double v = std::strtod(node.value.c_str(), &end);
    if (*end == '\0' && v == v) return v;
  }
  r.Expected(node, path, "a number");
  return std::nullopt;
}

std::optional<Duration> ReadDuration(const Node& node, const std::string& path, Reporter& r,
                                     bool positive) {
  if (node.IsScalar()) {
    auto d = ParseDuration(node.value);
    if (d && (!positive || d->count() > 0)) return d;
  }
  r.Expected(node, path,
             std::string(positive ? "a positive duration" : "a duration") +
                 " like 10s, 1m30s, 100ms");
  return std::nullopt;
}

std::optional<std::vector<std::string>> ReadStringList(const Node& node, const std::string& path,
                                                       Reporter& r) {
  if (node.IsScalar()) return std::vector<std::string>{node.value};
  if (!node.IsSequence()) {
    r.Expected(node, path, "a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < node.items.size(); ++i) {
    auto s = ReadString(node.items[i], path + "[" + std::to_string(i) + "]", r);
    if (s) out.push_back(*s);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

// Optimal string alignment: Levenshtein plus adjacent transpositions ("debgu" -> "debug" is 1).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return "";  // not a typo of any key, and the table would be large
  // Close enough to be a typo: at most 2 edits, and at most a third of the word.
  const size_t limit = std::min<size_t>(2, std::max<size_t>(1, word.size() / 3));
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best ? ", did you mean '" + *best + "'?" : "";
}

}  // namespace stackvisor::config
