// GCC 12 reports a false -Wmaybe-uninitialized inside std::regex's compiler when building with
// -fsanitize (GCC PR 105562); the code is the standard library's, so silence it for this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>

#include "healthcheck/log_matcher.h"

namespace stackvisor::healthcheck {

struct LogMatcher::Compiled {
  std::regex regex;
};

LogMatcher::LogMatcher(const std::string& regex)
    : compiled_(std::make_unique<Compiled>(Compiled{std::regex(regex, std::regex::ECMAScript)})) {}

LogMatcher::~LogMatcher() = default;
LogMatcher::LogMatcher(LogMatcher&&) noexcept = default;
LogMatcher& LogMatcher::operator=(LogMatcher&&) noexcept = default;

bool LogMatcher::Matches(std::string_view line) const {
  if (line.size() > kMaxMatchedBytes) line = line.substr(0, kMaxMatchedBytes);
  try {
    return std::regex_search(line.begin(), line.end(), compiled_->regex);
  } catch (const std::regex_error&) {
    return false;  // error_complexity / error_stack: no match; never throw on the loop
  }
}

std::optional<std::string> LogMatcher::CheckRegex(const std::string& regex) {
  try {
    std::regex compiled(regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace stackvisor::healthcheck
#pragma GCC diagnostic pop
