#pragma once
#include <chrono>
#include <cstdint>
#include <string_view>

namespace stackvisor::logmux {

/// TimestampFormatter renders wall-clock instants as RFC 3339 UTC with milliseconds
/// ("2026-11-24T01:23:45.123Z", always 24 bytes). It caches the calendar part of the last second
/// formatted, so formatting once per chunk costs no gmtime_r in the common case. The returned
/// view points into the formatter and is valid until the next Format call. Loop thread only.
class TimestampFormatter {
 public:
  static constexpr size_t kLength = 24;

  std::string_view Format(std::chrono::system_clock::time_point when);
  std::string_view Now() { return Format(std::chrono::system_clock::now()); }

 private:
  int64_t cached_second_ = INT64_MIN;
  char text_[kLength + 1] = {};
};

}  // namespace stackvisor::logmux
