#include "base/timer.h"

namespace stackvisor::base {

Timer::Timer(uv_loop_t* loop) {
  uv_timer_init(loop, handle_.get());
  handle_.MarkInitialized();
  handle_->data = this;
}

void Timer::Start(Duration after, std::function<void()> callback) {
  callback_ = std::move(callback);
  uv_timer_start(handle_.get(), &Timer::OnFire, static_cast<uint64_t>(after.count()), 0);
}

void Timer::StartRepeating(Duration every, std::function<void()> callback) {
  callback_ = std::move(callback);
  auto ms = static_cast<uint64_t>(every.count());
  uv_timer_start(handle_.get(), &Timer::OnFire, ms, ms);
}

void Timer::Stop() { uv_timer_stop(handle_.get()); }

bool Timer::active() const { return uv_is_active(handle_.raw()) != 0; }

void Timer::OnFire(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr || !self->callback_) return;
  // The callback may restart or destroy this timer; call a copy so its captures stay alive.
  auto callback = self->callback_;
  callback();
}

}  // namespace stackvisor::base
