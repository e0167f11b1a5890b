#include "base/next_turn.h"

namespace stackvisor::base {

NextTurn::NextTurn(uv_loop_t* loop, std::function<void()> callback)
    : callback_(std::move(callback)) {
  uv_idle_init(loop, handle_.get());
  handle_.MarkInitialized();
  handle_->data = this;
}

void NextTurn::Request() {
  if (!due()) uv_idle_start(handle_.get(), &NextTurn::OnIdle);
}

void NextTurn::Cancel() { uv_idle_stop(handle_.get()); }

bool NextTurn::due() const { return uv_is_active(handle_.raw()) != 0; }

void NextTurn::OnIdle(uv_idle_t* handle) noexcept {
  auto* self = static_cast<NextTurn*>(handle->data);
  if (self == nullptr) return;
  // Stopped first: the callback may ask for another turn, or destroy this object.
  uv_idle_stop(handle);
  auto callback = self->callback_;
  callback();
}

}  // namespace stackvisor::base
