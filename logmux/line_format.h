#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "logmux/log_ring.h"
#include "logmux/timestamp.h"

namespace stackvisor::logmux {

struct FormatOptions {
  bool color = false;       // ANSI colours per source, cycling through a palette
  bool timestamps = false;  // RFC 3339 UTC with milliseconds first: 2026-11-24T01:23:45.123Z
};

/// How `up` lays out a line: "<timestamp >NAME<pad> | line\n". width is the longest source name
/// (Mux::line_format() gives the one `up` uses).
struct LineFormat {
  bool color = false;
  bool timestamps = false;
  size_t width = 0;
};

/// Appends "NAME<pad> | " for source number `source` (its colour is chosen by that number, as
/// in `up`). The one definition of the prefix: the Mux caches its result per source.
void AppendPrefix(std::string& out, const LineFormat& format, int source, std::string_view name);

/// LineFormatter renders history entries exactly as `up` printed them: the same prefix and, with
/// timestamps, the instant the Mux stamped the line with. Keeps a TimestampFormatter, so format
/// many lines with one formatter. Not thread-safe; cheap to make.
class LineFormatter {
 public:
  explicit LineFormatter(LineFormat format) : format_(format) {}

  /// Appends the whole line, '\n' included.
  void Append(std::string& out, std::string_view name, const LogEntry& entry);

 private:
  LineFormat format_;
  TimestampFormatter timestamp_;
};

/// One line as `up` prints it (for a single line; use LineFormatter for many).
std::string FormatLine(const LineFormat& format, std::string_view name, const LogEntry& entry);

}  // namespace stackvisor::logmux
