#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "logmux/batch_buffer.h"

// Only the pointer type is needed here; libuv itself stays in output.cc.
struct uv_loop_s;
typedef struct uv_loop_s uv_loop_t;

namespace stackvisor::logmux {

/// Output is the single writer of one fd (stackvisor's stdout). It owns a writer thread, a
/// bounded pair of buffers swapped with that thread, and a uv_async_t on the loop; it does not
/// own the fd (it is shared with the parent shell), never closes it and never sets O_NONBLOCK.
///
/// Write() and Lines append whole lines and return at once: the loop never blocks on a slow
/// terminal or a stalled pipe. The writer thread does blocking write(2)s of whole batches (partial
/// writes, EINTR and an fd someone else made non-blocking are all handled). The writer runs with
/// every signal blocked, so a closed reader gives it EPIPE rather than killing the process; on
/// EPIPE or any other error the Output becomes broken() and silently discards everything
/// afterwards.
///
/// Backpressure: when the bytes not yet written exceed high_water, the pressure callback runs
/// with true (synchronously, inside the Write that crossed it; the supervisor pauses every pipe
/// reader). Once the writer drains below low_water() = high_water / 2 the callback runs with
/// false on the loop thread. Memory is bounded by about 2 x (high_water + the largest Write).
///
/// Status block (a terminal only; see status_line.h): SetStatus keeps a few lines drawn below the
/// log. The writer then sends each batch as erase-block + lines + redraw-block in one writev, so
/// a log line never lands inside the block nor the block inside a line; a new block alone is
/// drawn the same way. The block's bytes are not counted in pending() or the water marks. With no
/// block ever set the bytes written are exactly the lines.
///
/// Life cycle: construct on the loop thread; Write, Lines, Flush and SetPressureCallback from the
/// loop thread only. The destructor flushes (blocks until the fd took everything or is broken),
/// joins the thread and closes the uv handle (run the loop afterwards to free it); if the fd may be
/// stalled for good, FlushFor then Abandon first. Idle costs nothing: the thread sleeps on a
/// condition variable, and the uv handle does not keep the loop alive except while a drain
/// notification is awaited.
class Output {
  struct State;

 public:
  /// Lines formats lines straight into the queue the writer thread takes next, so nothing is
  /// copied between formatting and write(2). It holds the Output's lock while it lives: keep it
  /// to one chunk, and make no other call on the Output meanwhile (it would deadlock). On
  /// destruction the lines are committed as one Write (wake-up and pressure as for Write).
  /// Lines appended while the output is broken are discarded without being formatted.
  class Lines {
   public:
    explicit Lines(Output& output);
    ~Lines();
    Lines(const Lines&) = delete;
    Lines& operator=(const Lines&) = delete;

    /// Appends head + line + '\n'.
    void Append(std::string_view head, std::string_view line) {
      if (queue_ != nullptr) queue_->AppendLine(head, line);
    }
    /// Appends stamp + head + line + '\n'.
    void Append(std::string_view stamp, std::string_view head, std::string_view line) {
      if (queue_ != nullptr) queue_->AppendLine(stamp, head, line);
    }
    /// Appends bytes that already are whole lines.
    void AppendRaw(std::string_view whole_lines) {
      if (queue_ != nullptr) queue_->Append(whole_lines);
    }
    /// Bytes appended through this object so far.
    size_t size() const { return queue_ != nullptr ? queue_->size() - start_ : 0; }

   private:
    State& state_;
    BatchBuffer* queue_;  // null when the output is broken
    size_t start_;
  };

  Output(uv_loop_t* loop, int fd, size_t high_water = 1 << 20);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  /// Queues bytes (whole lines: they reach the fd contiguously, in order). Never blocks.
  void Write(std::string_view whole_lines);
  void SetPressureCallback(std::function<void(bool congested)> callback);
  /// Replaces the status block (no lines: erase it). Loop thread only; not while a Lines lives.
  void SetStatus(std::vector<std::string> lines);

  /// Blocks until everything written so far (and the last status block) reached the fd, or the
  /// fd is broken.
  void Flush();
  /// Same with a deadline; returns true when drained (or broken), false on timeout.
  bool FlushFor(std::chrono::milliseconds timeout);
  /// Gives up on the fd (e.g. after FlushFor timed out at exit, stdout stalled for good): discards
  /// what is queued, becomes broken (error ECANCELED), and lets the destructor return at once. A
  /// writer stuck in write(2) is detached; its state lives until that write returns or the
  /// process exits.
  void Abandon();

  bool congested() const;
  bool broken() const;
  /// errno of the failure that broke the output; 0 while healthy.
  int error() const;
  /// Bytes accepted by Write and not yet handed to the fd.
  size_t pending() const;
  /// Writes (Write calls and Lines) that queued bytes so far (the hot path should make one per
  /// chunk, not per line).
  uint64_t write_calls() const;
  size_t high_water() const;
  size_t low_water() const;

 private:
  std::shared_ptr<State> state_;  // shared only with the writer thread, for Abandon()
};

}  // namespace stackvisor::logmux
