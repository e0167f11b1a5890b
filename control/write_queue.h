#pragma once
// Non-blocking, ordered writes to one libuv stream, with a byte count a caller can cap.
#include <uv.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace stackvisor::control {

/// WriteQueue writes bytes to one stream in order and never blocks: uv_try_write first; what
/// the kernel does not take goes out in one uv_write whose request owns a copy (libuv may call
/// it back after the stream closed, with UV_ECANCELED); bytes written meanwhile wait in
/// `pending_` and follow when that write completes. `on_done(0)` runs each time the queue
/// empties, `on_done(<0)` on a write error. The owner (a Connection) outlives the stream's
/// callbacks only up to its own destruction, which unhooks the request in flight.
class WriteQueue {
 public:
  WriteQueue(uv_stream_t* stream, std::function<void(int)> on_done);
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  void Write(std::string_view bytes);
  /// Bytes accepted and not yet taken by the kernel.
  std::size_t queued() const { return in_flight_bytes_ + pending_.size(); }
  bool empty() const { return queued() == 0; }
  /// Drops what was not handed to libuv yet; a write in flight completes, so a frame already
  /// partly sent is never cut.
  void DropPending() { pending_.clear(); }

 private:
  struct Request;
  static void OnWritten(uv_write_t* request, int status) noexcept;
  void Flush();

  uv_stream_t* stream_;
  std::function<void(int)> on_done_;
  Request* in_flight_ = nullptr;
  std::size_t in_flight_bytes_ = 0;
  std::string pending_;
  bool failed_ = false;
};

}  // namespace stackvisor::control
