#include "logmux/timestamp.h"

#include <time.h>

#include <algorithm>

namespace stackvisor::logmux {
namespace {

void PutDigits(char* out, int value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string_view TimestampFormatter::Format(std::chrono::system_clock::time_point when) {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  // Floor division: instants before 1970 still get a millisecond field in [0, 999].
  int64_t second = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    second -= 1;
  }
  if (second != cached_second_) {
    const time_t t = static_cast<time_t>(second);
    tm parts{};
    gmtime_r(&t, &parts);
    // RFC 3339 has four-digit years; clamping keeps the width fixed whatever the clock says.
    const int year = std::clamp(parts.tm_year + 1900, 0, 9999);
    PutDigits(text_, year, 4);
    text_[4] = '-';
    PutDigits(text_ + 5, parts.tm_mon + 1, 2);
    text_[7] = '-';
    PutDigits(text_ + 8, parts.tm_mday, 2);
    text_[10] = 'T';
    PutDigits(text_ + 11, parts.tm_hour, 2);
    text_[13] = ':';
    PutDigits(text_ + 14, parts.tm_min, 2);
    text_[16] = ':';
    PutDigits(text_ + 17, parts.tm_sec, 2);
    text_[19] = '.';
    text_[23] = 'Z';
    cached_second_ = second;
  }
  PutDigits(text_ + 20, static_cast<int>(millis), 3);
  return std::string_view(text_, kLength);
}

}  // namespace stackvisor::logmux
