#include "base/signal_watcher.h"

namespace stackvisor::base {

SignalWatcher::SignalWatcher(uv_loop_t* loop, int signum, std::function<void(int)> callback)
    : callback_(std::move(callback)) {
  uv_signal_init(loop, handle_.get());
  handle_.MarkInitialized();
  handle_->data = this;
  uv_signal_start(handle_.get(), &SignalWatcher::OnSignal, signum);
}

void SignalWatcher::OnSignal(uv_signal_t* handle, int signum) noexcept {
  auto* self = static_cast<SignalWatcher*>(handle->data);
  if (self != nullptr && self->callback_) self->callback_(signum);
}

}  // namespace stackvisor::base
