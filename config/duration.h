#pragma once
// Compose durations ("10s", "1m30s", "100ms", "2.5s", "1h", "500us") to and from text.
#include <optional>
#include <string>
#include <string_view>

#include "config/manifest.h"

namespace stackvisor::config {

/// ParseDuration reads a sequence of NUMBER UNIT pairs (units us, ms, s, m, h; numbers may have
/// a fraction) and returns the total. A bare "0" is accepted. Sub-millisecond totals round up
/// to whole milliseconds so a non-zero duration never becomes zero. Returns nullopt on any
/// malformed text, a negative value or an absurdly large one.
std::optional<Duration> ParseDuration(std::string_view text);

/// FormatDuration prints the shortest form ParseDuration reads back to the same value:
/// "30s", "100ms", "1m30s", "1h", "2s500ms", "0s".
std::string FormatDuration(Duration duration);

}  // namespace stackvisor::config
