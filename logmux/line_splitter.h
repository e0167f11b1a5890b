#pragma once
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace stackvisor::logmux {

/// Longest line kept whole; docker's json-file driver cuts at the same size.
constexpr size_t kDefaultMaxLine = 16 * 1024;

/// LineSplitter turns a byte stream arriving in arbitrary chunks into lines. Pure: no I/O, no
/// clock. It owns only the partial tail of the current line, at most max_line bytes, so a child
/// that never writes a newline cannot grow memory.
///
/// Contract of the emitted lines: the '\n' is not part of a line; every other byte ('\r',
/// NUL, invalid UTF-8) is passed through untouched. A line longer than max_line is emitted as
/// consecutive pieces of exactly max_line bytes followed by the remainder; a line of exactly
/// max_line bytes is emitted whole (never followed by an empty piece). Finish() emits a final
/// line that had no newline. The string_view given to the sink is valid only during the call.
///
/// Owned by one LogStream (one pipe of one child); called on the loop thread only.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = kDefaultMaxLine) : max_line_(max_line > 0 ? max_line : 1) {}

  /// Calls sink(std::string_view line) for every line completed by `chunk`, in order.
  template <typename Sink>
  void Feed(std::string_view chunk, Sink&& sink);

  /// Emits the partial final line, if any. The splitter can be fed again afterwards.
  template <typename Sink>
  void Finish(Sink&& sink);

  /// Bytes of the current, incomplete line held between Feed calls (<= max_line()).
  size_t pending() const { return pending_.size(); }
  size_t max_line() const { return max_line_; }

 private:
  size_t max_line_;
  std::string pending_;
};

template <typename Sink>
void LineSplitter::Feed(std::string_view chunk, Sink&& sink) {
  while (!chunk.empty()) {
    const void* found = std::memchr(chunk.data(), '\n', chunk.size());
    const bool has_newline = found != nullptr;
    const size_t line_end =
        has_newline ? static_cast<size_t>(static_cast<const char*>(found) - chunk.data()) : chunk.size();

    if (!pending_.empty()) {
      // Complete the held tail first; it is never longer than max_line_.
      const size_t room = max_line_ - pending_.size();
      if (line_end > room) {
        // The tail fills up and more of the same line follows: that is a full piece.
        pending_.append(chunk.data(), room);
        sink(std::string_view(pending_));
        pending_.clear();
        chunk.remove_prefix(room);
        continue;
      }
      pending_.append(chunk.data(), line_end);
      if (!has_newline) return;
      sink(std::string_view(pending_));
      pending_.clear();
      chunk.remove_prefix(line_end + 1);
      continue;
    }

    // Fast path: lines wholly inside the chunk go to the sink straight from the caller's buffer.
    std::string_view line = chunk.substr(0, line_end);
    while (line.size() > max_line_) {
      sink(line.substr(0, max_line_));
      line.remove_prefix(max_line_);
    }
    if (!has_newline) {
      // Keep at most max_line_ bytes: a full piece is emitted only once we know the line goes on.
      pending_.assign(line.data(), line.size());
      return;
    }
    sink(line);
    chunk.remove_prefix(line_end + 1);
  }
}

template <typename Sink>
void LineSplitter::Finish(Sink&& sink) {
  if (pending_.empty()) return;
  sink(std::string_view(pending_));
  pending_.clear();
}

}  // namespace stackvisor::logmux
