#include "config/duration.h"

#include <cctype>
#include <cstdlib>

namespace stackvisor::config {
namespace {

// Microseconds per unit; the longest unit names come first so "ms" is not read as "m".
struct Unit {
  std::string_view name;
  double micros;
};
constexpr Unit kUnits[] = {
    {"us", 1.0}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6},
};

// About 100 years: beyond that a value is a typo, and the sum must not overflow int64.
constexpr double kMaxMicros = 100.0 * 365 * 24 * 3600e6;

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    bool digits = false, dot = false;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) ||
                               (text[i] == '.' && !dot))) {
      if (text[i] == '.') dot = true; else digits = true;
      ++i;
    }
    if (!digits) return std::nullopt;
    // strtod, not stod: an absurdly long number must be rejected below, not throw.
    double number = std::strtod(std::string(text.substr(start, i - start)).c_str(), nullptr);
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    const Unit* found = nullptr;
    for (const auto& u : kUnits)
      if (u.name == unit) found = &u;
    if (!found) return std::nullopt;
    total += number * found->micros;
    if (total > kMaxMicros) return std::nullopt;
  }
  // Rounded up to whole milliseconds by hand: std::ceil alone would pull libm into the binary
  // (a whole shared library mapped for one call, see docs/benchmarks.md on idle RSS).
  const double ms = total / 1000.0 - 1e-9;
  auto whole = static_cast<int64_t>(ms);
  if (static_cast<double>(whole) < ms) ++whole;
  return Duration{whole};
}

std::string FormatDuration(Duration duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {  // never produced by ParseDuration; printed anyway so nothing is hidden
    out = "-";
    ms = -ms;
  }
  const int64_t hours = ms / 3600000, minutes = ms / 60000 % 60, seconds = ms / 1000 % 60,
                millis = ms % 1000;
  if (hours) out += std::to_string(hours) + "h";
  if (minutes) out += std::to_string(minutes) + "m";
  if (seconds) out += std::to_string(seconds) + "s";
  if (millis) out += std::to_string(millis) + "ms";
  return out;
}

}  // namespace stackvisor::config
