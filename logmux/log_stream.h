#pragma once
#include <functional>
#include <string_view>

#include "logmux/line_splitter.h"
#include "logmux/mux.h"

namespace stackvisor::logmux {

/// LogStream is one stream (stdout or stderr) of one child: a LineSplitter feeding the Mux under
/// one source id. Feed() emits every complete line of a chunk through one Mux::Batch: formatted
/// straight into the Output's queue (two or three memcpy per line, the prefix and timestamp
/// formatted once per chunk) and, with a history, one more memcpy into the source's ring; one
/// commit per chunk. A chunk whose formatted size passes kMaxBatch is committed in several
/// whole-line parts, so the writer starts on it early.
///
/// The observer (log-line readiness probes) sees every complete line without prefix, after that
/// line was written, so an event it logs comes after the line that caused it. It may call
/// SetObserver (nullptr to stop) and Mux::Line from inside the call.
///
/// Owned by the service that owns the pipe reader; borrows the Mux, which must outlive it. Loop
/// thread only. Finish() at EOF writes a final line that had no newline.
class LogStream {
 public:
  static constexpr size_t kMaxBatch = 256 * 1024;

  /// `stream` only labels the lines in the history (stdout or stderr).
  LogStream(Mux& mux, int source, Stream stream = Stream::kStdout, size_t max_line = kDefaultMaxLine);
  LogStream(const LogStream&) = delete;
  LogStream& operator=(const LogStream&) = delete;

  void SetObserver(std::function<void(std::string_view line)> observer);
  void Feed(std::string_view chunk);
  void Finish();

  /// Bytes of an incomplete line held until its newline (or Finish).
  size_t pending() const { return splitter_.pending(); }

 private:
  /// Runs run(sink) with a sink that formats each line it is given.
  template <typename Run>
  void Split(Run&& run);
  void EmitObserved(std::string_view line);

  Mux& mux_;
  const int source_;
  const Stream stream_;
  LineSplitter splitter_;
  std::function<void(std::string_view)> observer_;
  std::function<void(std::string_view)> replacement_;  // SetObserver called from the observer
  bool in_observer_ = false;
  bool replace_observer_ = false;
};

}  // namespace stackvisor::logmux
