#include "control/query_params.h"

#include <charconv>
#include <ctime>

#include "config/duration.h"
#include "config/signals.h"

namespace stackvisor::control {
namespace {

using Clock = std::chrono::system_clock;

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// "12" or "12.5": digits, optionally a '.' and more digits. Returns seconds. Parsed as
// integers: std::from_chars for double would link libm (fesetround) into the binary, and its
// pages alone cost an idle stack 0.3 MB of RSS.
std::optional<double> DecimalSeconds(std::string_view text) {
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  if (!AllDigits(whole) || whole.size() > 12) return std::nullopt;
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (dot != std::string_view::npos && !AllDigits(frac)) return std::nullopt;
  int64_t seconds = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  double value = static_cast<double>(seconds);
  double scale = 0.1;
  for (size_t i = 0; i < frac.size() && i < 9; ++i, scale /= 10) value += (frac[i] - '0') * scale;
  return value;
}

template <typename T>
Parsed<T> Bad(std::string_view name, std::string_view text, std::string_view expected) {
  return Parsed<T>{std::nullopt, std::string(name) + " must be " + std::string(expected) +
                                     ", got '" + std::string(text) + "'"};
}

// Fixed-width decimal field at text[at, at+width).
std::optional<int> Field(std::string_view text, size_t at, size_t width) {
  if (at + width > text.size()) return std::nullopt;
  std::string_view part = text.substr(at, width);
  if (!AllDigits(part)) return std::nullopt;
  int value = 0;
  std::from_chars(part.data(), part.data() + part.size(), value);
  return value;
}

}  // namespace

Parsed<config::Duration> ParseTimeoutSeconds(std::string_view text) {
  constexpr double kMaxSeconds = 86400;
  auto seconds = DecimalSeconds(text);
  if (!seconds || *seconds > kMaxSeconds)
    return Bad<config::Duration>("timeout", text, "a number of seconds up to 86400");
  // Non-negative, so adding a half and truncating rounds; std::llround would link libm, whose
  // pages alone cost an idle stack 0.3 MB of RSS.
  return {config::Duration(static_cast<int64_t>(*seconds * 1000 + 0.5)), {}};
}

Parsed<int> ParseSignalParam(std::string_view text) {
  auto signo = config::ParseSignal(text);
  if (!signo) return Bad<int>("signal", text, "a signal name (SIGKILL, KILL) or number (9)");
  return {*signo, {}};
}

Parsed<size_t> ParseTail(std::string_view text) {
  if (text == "all") return {std::nullopt, {}};
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!AllDigits(text) || ec != std::errc() || end != text.data() + text.size())
    return Bad<size_t>("tail", text, "a number of lines or 'all'");
  return {value, {}};
}

Parsed<bool> ParseFlag(std::string_view name, std::string_view text) {
  if (text.empty() || text == "1" || text == "true" || text == "yes") return {true, {}};
  if (text == "0" || text == "false" || text == "no") return {false, {}};
  return Bad<bool>(name, text, "1 or 0");
}

std::optional<Clock::time_point> ParseRfc3339(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto year = Field(t, 0, 4), month = Field(t, 5, 2), day = Field(t, 8, 2);
  auto hour = Field(t, 11, 2), minute = Field(t, 14, 2), second = Field(t, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' ||
      t[16] != ':')
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  size_t at = 19;
  Clock::duration fraction{0};
  if (at < t.size() && t[at] == '.') {
    size_t end = at + 1;
    while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
    if (end == at + 1) return std::nullopt;
    // Up to nanoseconds, as integers (no floating-point parsing: see DecimalSeconds).
    int64_t nanos = 0;
    size_t digits = 0;
    for (size_t i = at + 1; i < end && digits < 9; ++i, ++digits) nanos = nanos * 10 + (t[i] - '0');
    for (; digits < 9; ++digits) nanos *= 10;
    fraction = std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(nanos));
    at = end;
  }
  int offset_minutes = 0;
  std::string_view zone = t.substr(std::min(at, t.size()));
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = Field(zone, 1, 2), om = Field(zone, 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (*oh * 60 + *om) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  const time_t utc = timegm(&tm);
  return Clock::from_time_t(utc) + fraction - std::chrono::minutes(offset_minutes);
}

Parsed<Clock::time_point> ParseSince(std::string_view text, Clock::time_point now) {
  if (auto seconds = DecimalSeconds(text)) {
    return {Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(*seconds))),
            {}};
  }
  if (auto time = ParseRfc3339(text)) return {*time, {}};
  if (auto ago = config::ParseDuration(text)) return {now - *ago, {}};
  return Bad<Clock::time_point>(
      "since", text, "an RFC 3339 time, unix seconds or a duration such as 10m");
}

}  // namespace stackvisor::control
