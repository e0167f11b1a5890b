#pragma once
#include <uv.h>

#include <functional>

#include "base/clock.h"
#include "base/uv_handle.h"

namespace stackvisor::base {

/// Timer is a one-shot or repeating libuv timer owned by the object that needs it. Start()
/// replaces any pending expiry. The callback runs on the loop thread; destroying the Timer
/// cancels it. Not copyable or movable.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop);
  void Start(Duration after, std::function<void()> callback);
  void StartRepeating(Duration every, std::function<void()> callback);
  void Stop();
  bool active() const;

 private:
  static void OnFire(uv_timer_t* handle) noexcept;
  UvHandle<uv_timer_t> handle_;
  std::function<void()> callback_;
};

}  // namespace stackvisor::base
