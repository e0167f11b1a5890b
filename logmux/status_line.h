#pragma once
// The live status of a foreground `up` on a terminal: which services are not ready yet and what
// each waits for, drawn below the log lines and redrawn in place (Output::SetStatus does the
// erase/redraw around each batch of log lines). The rendering is pure; StatusLine only decides
// when to ask for a new text.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

// Only the pointer type is needed here; libuv itself stays in the .cc files.
struct uv_loop_s;
typedef struct uv_loop_s uv_loop_t;

namespace stackvisor::base {
class Timer;
}

namespace stackvisor::logmux {

class Output;

/// One not-yet-ready service: shown as "NAME: WHAT" ("web: waiting for db (healthy)").
struct StatusEntry {
  std::string name;
  std::string what;
  bool operator==(const StatusEntry&) const = default;
};

/// The block's lines: "waiting (N): a: what; b: what", wrapped at "; " into at most max_lines
/// lines of at most width - 1 columns (the last column would make some terminals wrap, and a
/// wrapped line breaks the erase that counts lines); what does not fit ends in "...". Columns
/// are counted in UTF-8 code points. No entries: no lines (the block disappears).
std::vector<std::string> RenderStatus(const std::vector<StatusEntry>& entries, size_t width,
                                      size_t max_lines);

/// Cuts text to at most width code points, ending in "..." when it was cut.
std::string TruncateToWidth(std::string_view text, size_t width);

/// The bytes that draw lines below the log, leaving the cursor at the end of the last one (no
/// trailing newline, so the next erase knows where the block starts).
std::string StatusDraw(const std::vector<std::string>& lines);

/// The bytes that erase a block of `lines` lines drawn by StatusDraw: back to the first column,
/// up lines - 1 rows, clear to the end of the screen. Empty for 0 lines.
std::string StatusErase(size_t lines);

/// Whether a status block may be drawn on fd: a terminal whose TERM is not "dumb".
bool StatusLineWanted(int fd);

/// fd's terminal width from TIOCGWINSZ; 80 when it is not known.
size_t TerminalWidth(int fd);

/// StatusLine keeps the Output's status block current while a stack starts. The owner calls
/// Poke() whenever something may have changed (the supervisor: after each drained batch of
/// actions); at most every kInterval it asks `source` for the entries, renders them for the
/// terminal's current width and hands the lines to Output::SetStatus. The first time the source
/// returns no entry (every service is ready, or the stack is stopping) the block is erased and
/// the StatusLine stays off for good: it shows a start, not the stack's later life.
///
/// Owns one timer; borrows the Output, which must outlive it. Loop thread only. The destructor
/// erases the block.
class StatusLine {
 public:
  using Source = std::function<std::vector<StatusEntry>()>;
  /// Redraws are coalesced to at most one per kInterval: the source walks every service.
  static constexpr base::Duration kInterval{100};

  StatusLine(uv_loop_t* loop, Output& output, int fd, Source source, size_t max_lines = 1);
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  void Poke();
  /// Erases the block and stays off.
  void Stop();
  bool active() const { return active_; }

 private:
  void Refresh();

  Output& output_;
  const int fd_;
  Source source_;
  const size_t max_lines_;
  std::unique_ptr<base::Timer> timer_;
  base::TimePoint last_refresh_{};
  std::vector<std::string> shown_;
  bool active_ = true;
};

}  // namespace stackvisor::logmux
