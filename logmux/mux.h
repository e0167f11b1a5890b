#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logmux/line_format.h"
#include "logmux/log_history.h"
#include "logmux/log_ring.h"
#include "logmux/output.h"
#include "logmux/timestamp.h"

namespace stackvisor::logmux {

/// Mux formats lines of named sources as "<timestamp >NAME<pad> | line\n" and hands them to one
/// Output, and, when a LogHistory is set, stores each line there too (for `stackvisor logs`).
/// NAME is padded to the longest registered name; register every name before the first line
/// (an AddSource with a longer name re-pads every prefix). With color, "NAME<pad> |" is wrapped in the
/// source's ANSI colour (palette assigned in registration order) and a reset.
///
/// Every line leaves through a Batch, the one place a line is formatted, written and recorded.
///
/// Owns the per-source prefixes and the timestamp cache; borrows the Output and the LogHistory,
/// which must outlive it. The supervisor owns one Mux; LogStreams and the spdlog sink refer to
/// it. Loop thread only.
class Mux {
 public:
  /// Batch emits lines of one source and stream, all stamped with the instant it was made (one
  /// clock read and one timestamp per chunk). It formats straight into the Output's queue
  /// (Output::Lines, so it holds the Output's lock: make no direct call on the Output while it
  /// lives) and appends each line to the history, whose followers run inside Add. A Batch made
  /// while another is alive (Mux::Line from a follower or a probe observer) joins the queue of
  /// the outer one, so it can neither deadlock nor reorder; only the outermost one commits.
  /// Do not AddSource while a Batch lives (it holds a view of its source's prefix).
  class Batch {
   public:
    Batch(Mux& mux, int source, Stream stream);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    /// Emits one line (without its '\n').
    void Add(std::string_view line) {
      out_->Append(std::string_view(stamp_, stamp_size_), prefix_, line);
      if (history_ != nullptr) history_->Append(source_, stream_, now_, line);
    }
    /// Commits what was added once it passed `bytes`, so the writer starts on a huge chunk
    /// before it is all formatted.
    void CommitIfOver(size_t bytes) {
      if (own_ && own_->size() >= bytes) Recommit();
    }

   private:
    void Recommit();

    Mux& mux_;
    const int source_;
    const Stream stream_;
    LogHistory* const history_;
    const std::string_view prefix_;
    std::chrono::system_clock::time_point now_;
    char stamp_[TimestampFormatter::kLength + 1];
    size_t stamp_size_ = 0;
    std::optional<Output::Lines> own_;
    Output::Lines* out_;  // own_, or the outer batch's
  };

  Mux(Output& output, FormatOptions options);
  Mux(const Mux&) = delete;
  Mux& operator=(const Mux&) = delete;

  /// Returns the new source's id (0, 1, 2, ... in order).
  int AddSource(const std::string& name);

  /// A source that left (a service removed by a reload) no longer counts for the padding: when
  /// it was the widest, every prefix is re-padded to the widest of the rest. Its own prefix
  /// stays usable (a longer name is just not padded) for its last lines. Revive undoes it.
  /// Lines are whole when formatted, so re-padding between two lines never splits one. Not
  /// while a Batch lives.
  void Retire(int source);
  void Revive(int source);

  /// Writes one line (stackvisor's own events). Embedded '\n' start new lines under the same
  /// prefix, so the output stays one prefixed line per line; a trailing '\n' is ignored.
  void Line(int source, std::string_view line);

  /// Every line emitted from now on is also appended to `history` (null: none, the default).
  void SetHistory(LogHistory* history) { history_ = history; }
  LogHistory* history() const { return history_; }

  Output& output() { return output_; }
  const FormatOptions& options() const { return options_; }
  /// The layout `up` uses now, for formatting history the same way (FormatLine).
  LineFormat line_format() const { return LineFormat{options_.color, options_.timestamps, width_}; }

  /// "NAME<pad> | " including colour codes, without the timestamp.
  const std::string& prefix(int source) const { return sources_[static_cast<size_t>(source)].prefix; }
  const std::string& name(int source) const { return sources_[static_cast<size_t>(source)].name; }
  size_t source_count() const { return sources_.size(); }

 private:
  struct Source {
    std::string name;
    std::string prefix;
    bool retired = false;
  };
  void BuildPrefix(size_t source);
  void Repad();

  Output& output_;
  FormatOptions options_;
  std::vector<Source> sources_;
  size_t width_ = 0;  // the longest name: every prefix is padded to it
  TimestampFormatter timestamp_;
  LogHistory* history_ = nullptr;
  Output::Lines* active_ = nullptr;  // the queue of the outermost live Batch
};

}  // namespace stackvisor::logmux
