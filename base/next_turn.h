#pragma once
// Work batched to the end of a loop turn: many small requests in one turn, one call.
#include <uv.h>

#include <functional>

#include "base/uv_handle.h"

namespace stackvisor::base {

/// NextTurn runs its callback once after Request(), on the next loop iteration, however many
/// times Request() was called meanwhile. It is a libuv idle handle, active only while a call
/// is due: an active idle handle makes the loop poll without blocking, so the call never waits
/// on an I/O event that may not come (a request made from a timer on an otherwise quiet loop),
/// and an idle loop pays nothing. The callback may call Request() again (another turn) or
/// destroy the NextTurn. Not copyable or movable; loop thread only.
class NextTurn {
 public:
  NextTurn(uv_loop_t* loop, std::function<void()> callback);
  NextTurn(const NextTurn&) = delete;
  NextTurn& operator=(const NextTurn&) = delete;

  void Request();
  /// Drops a due call (the owner did the work itself).
  void Cancel();
  bool due() const;

 private:
  static void OnIdle(uv_idle_t* handle) noexcept;
  UvHandle<uv_idle_t> handle_;
  std::function<void()> callback_;
};

}  // namespace stackvisor::base
