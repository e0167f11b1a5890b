#pragma once
#include <uv.h>

#include <functional>
#include <string_view>

#include "base/unique_fd.h"
#include "base/uv_handle.h"

namespace stackvisor::base {

/// PipeReader reads the read end of a pipe on the loop in large chunks. It owns the fd from
/// construction. on_data receives each chunk (valid only during the call); on_end runs once, at
/// EOF or on a read error, after which the reader is idle. Pause()/Resume() implement
/// backpressure: while paused the child's writes fill the pipe and then block.
class PipeReader {
 public:
  using DataCallback = std::function<void(std::string_view)>;
  using EndCallback = std::function<void(int error)>;  // 0 at EOF, else a libuv error code

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
  bool ended() const { return ended_; }

 private:
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  void Finish(int error);

  UvHandle<uv_pipe_t> handle_;
  DataCallback on_data_;
  EndCallback on_end_;
  bool paused_ = false;
  bool throttled_ = false;
  bool ended_ = false;
};

}  // namespace stackvisor::base
