#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "logmux/output.h"
#include "logmux/timestamp.h"

namespace stackvisor::logmux {

struct FormatOptions {
  bool color = false;       // ANSI colours per source, cycling through a palette
  bool timestamps = false;  // RFC 3339 UTC with milliseconds first: 2026-11-24T01:23:45.123Z
};

/// Mux formats lines of named sources as "<timestamp >NAME<pad> | line\n" and hands them to one
/// Output. NAME is padded to the longest registered name; register every name before the first
/// line (an AddSource with a longer name re-pads every prefix). With color, "NAME<pad> |" is wrapped in the
/// source's ANSI colour (palette assigned in registration order) and a reset.
///
/// Owns the per-source prefixes and the timestamp cache; borrows the Output, which must outlive
/// it. The supervisor owns one Mux; LogStreams and the spdlog sink refer to it. Loop thread only.
class Mux {
 public:
  Mux(Output& output, FormatOptions options);
  Mux(const Mux&) = delete;
  Mux& operator=(const Mux&) = delete;

  /// Returns the new source's id (0, 1, 2, ... in order).
  int AddSource(const std::string& name);

  /// Writes one line (stackvisor's own events). Embedded '\n' start new lines under the same
  /// prefix, so the output stays one prefixed line per line; a trailing '\n' is ignored.
  void Line(int source, std::string_view line);

  Output& output() { return output_; }
  const FormatOptions& options() const { return options_; }

  /// "NAME<pad> | " including colour codes, without the timestamp.
  const std::string& prefix(int source) const { return sources_[static_cast<size_t>(source)].prefix; }
  const std::string& name(int source) const { return sources_[static_cast<size_t>(source)].name; }
  size_t source_count() const { return sources_.size(); }

  /// What goes before a line of `source` now: the prefix, after the current timestamp and a
  /// space when timestamps are on. Valid until the next call.
  std::string_view LineHead(int source);

 private:
  struct Source {
    std::string name;
    std::string prefix;
  };
  void BuildPrefix(size_t source);

  Output& output_;
  FormatOptions options_;
  std::vector<Source> sources_;
  size_t width_ = 0;  // the longest name: every prefix is padded to it
  TimestampFormatter timestamp_;
  std::string head_;     // timestamp + prefix, rebuilt by LineHead()
  std::string scratch_;  // Line()'s own buffer: Line may run while a batch is being written
};

}  // namespace stackvisor::logmux
