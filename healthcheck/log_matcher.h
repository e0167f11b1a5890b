#pragma once
// Log-line readiness: is this output line the one that says the service is ready?
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stackvisor::healthcheck {

/// LogMatcher holds one compiled ECMAScript regex and searches it in output lines (a match
/// anywhere in the line counts). Only the first kMaxMatchedBytes of a line are searched:
/// readiness messages are short and libstdc++'s regex recurses per character, so an unbounded
/// line could exhaust the stack. The constructor throws std::regex_error for an invalid regex;
/// config validation calls CheckRegex first. Owned by the supervisor's Service; call Matches
/// only while the Prober is awaiting_ready(). Movable.
class LogMatcher {
 public:
  static constexpr size_t kMaxMatchedBytes = 1024;

  explicit LogMatcher(const std::string& regex);
  ~LogMatcher();
  LogMatcher(LogMatcher&&) noexcept;
  LogMatcher& operator=(LogMatcher&&) noexcept;

  bool Matches(std::string_view line) const;

  /// nullopt if regex compiles, else why not.
  static std::optional<std::string> CheckRegex(const std::string& regex);

 private:
  struct Compiled;  // keeps <regex> out of every includer
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace stackvisor::healthcheck
