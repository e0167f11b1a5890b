#pragma once
#include <uv.h>

#include <functional>

#include "base/uv_handle.h"

namespace stackvisor::base {

/// SignalWatcher delivers one signal number to a callback on the loop thread (libuv turns the
/// handler into a self-pipe wakeup). Destroying it restores libuv's default for that signal.
class SignalWatcher {
 public:
  SignalWatcher(uv_loop_t* loop, int signum, std::function<void(int)> callback);

 private:
  static void OnSignal(uv_signal_t* handle, int signum) noexcept;
  UvHandle<uv_signal_t> handle_;
  std::function<void(int)> callback_;
};

}  // namespace stackvisor::base
