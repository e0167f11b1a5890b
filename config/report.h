#pragma once
// Internal to config/: collecting diagnostics and reading typed values out of Node trees.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "config/tree.h"

namespace stackvisor::config {

/// Reporter appends diagnostics to a list owned by the caller (one Load call). Every step of
/// the loader writes through one Reporter so nothing stops at the first problem.
class Reporter {
 public:
  explicit Reporter(std::vector<Diagnostic>& out) : out_(out) {}

  void Error(const SourcePos& pos, const std::string& path, std::string message);
  void Warning(const SourcePos& pos, const std::string& path, std::string message);
  void Error(const Node& at, const std::string& path, std::string message) {
    Error(at.pos, path, std::move(message));
  }
  // "expected WHAT, got DESCRIPTION-OF-NODE"
  void Expected(const Node& got, const std::string& path, const std::string& what);

  size_t error_count() const { return errors_; }
  /// The list written to, for steps that report into it themselves (ExpandReplicas).
  std::vector<Diagnostic>& diagnostics() { return out_; }
  /// Where a problem of the manifest as a whole points when its node carries no position (a
  /// value synthesised by a merge): the first file, line 1, rather than nowhere.
  void SetFallback(SourcePos pos) { fallback_ = std::move(pos); }

 private:
  const SourcePos& Where(const SourcePos& pos) const {
    return pos.file.empty() && !fallback_.file.empty() ? fallback_ : pos;
  }
  std::vector<Diagnostic>& out_;
  SourcePos fallback_;
  size_t errors_ = 0;
};

// Typed readers: on a mismatch they report "expected ..., got ..." and return nullopt.
std::optional<std::string> ReadString(const Node& node, const std::string& path, Reporter& r);
std::optional<bool> ReadBool(const Node& node, const std::string& path, Reporter& r);
std::optional<long> ReadInt(const Node& node, const std::string& path, Reporter& r, long min,
                            long max);
std::optional<double> ReadNumber(const Node& node, const std::string& path, Reporter& r);
// `positive`: zero is rejected too.
std::optional<Duration> ReadDuration(const Node& node, const std::string& path, Reporter& r,
                                     bool positive);
// A list of strings; a single string counts as a list of one.
std::optional<std::vector<std::string>> ReadStringList(const Node& node, const std::string& path,
                                                       Reporter& r);

/// DidYouMean returns " did you mean 'x'?" (with a leading comma) for the closest candidate
/// within a small edit distance, or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace stackvisor::config
