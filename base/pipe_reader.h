#pragma once
#include <uv.h>

#include <functional>
#include <memory>
#include <string_view>

#include "base/timer.h"
#include "base/unique_fd.h"
#include "base/uv_handle.h"

namespace stackvisor::base {

/// PipeReader reads the read end of a pipe on the loop in large chunks. It owns the fd from
/// construction. on_data receives each chunk (valid only during the call); on_end runs once, at
/// EOF or on a read error, after which the reader is idle. Pause()/Resume() implement
/// backpressure: while paused the child's writes fill the pipe and then block.
///
/// Coalescing keeps a child that writes a line per write(2) cheap. With Coalesce(true), a read
/// that returned less than kSmallRead means the loop keeps pace with the child: each line would
/// cost the child a wake-up of ours and us an epoll_wait and a read. The reader then rests kRest
/// before reading again, so the next read takes everything written meanwhile. Only lines that
/// follow another closely are delayed, by about kRest (libuv timers count whole milliseconds,
/// so at most about twice that). If the pipe filled
/// during a rest it is enlarged (up to kMaxPipe, that child only), so resting never blocks it.
class PipeReader {
 public:
  using DataCallback = std::function<void(std::string_view)>;
  using EndCallback = std::function<void(int error)>;  // 0 at EOF, else a libuv error code

  // Under a page: a stdio-buffered child writes 4 KiB at a time, and resting after each of
  // those let its pipe fill and grew it, which cost workload a of bench/throughput.sh 15 %.
  static constexpr size_t kSmallRead = 4 * 1024;
  static constexpr Duration kRest{1};
  static constexpr size_t kMaxPipe = 256 * 1024;

  PipeReader(uv_loop_t* loop, UniqueFd fd, DataCallback on_data, EndCallback on_end);
  ~PipeReader();
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;

  void Pause();
  void Resume();
  /// While throttled the reader pauses itself after each chunk it delivers: under output
  /// pressure every readable pipe gets one chunk before all are paused, so one chatty child
  /// cannot starve the others.
  void Throttle(bool on) { throttled_ = on; }
  /// Turn off while every line must be seen the moment it is written (a log-line probe).
  void Coalesce(bool on);
  bool ended() const { return ended_; }
  /// The pipe's capacity as far as this reader knows (it grows for a chatty child).
  size_t pipe_capacity() const { return pipe_capacity_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  void Finish(int error);
  void AfterChunk(size_t size);
  void StartReading();
  void StopReading();
  void Grow();

  UvHandle<uv_pipe_t> handle_;
  DataCallback on_data_;
  EndCallback on_end_;
  std::unique_ptr<Timer> rest_timer_;  // made on the first rest: quiet children never need it
  size_t pipe_capacity_ = 64 * 1024;    // Linux's default
  bool paused_ = false;                 // by Pause(): backpressure
  bool resting_ = false;                // by coalescing
  bool rested_ = false;                 // the coming read is the first after a rest
  bool coalesce_ = false;
  bool throttled_ = false;
  bool ended_ = false;
};

}  // namespace stackvisor::base
