#include "app/quiet_trim.h"

#include "base/resident_code.h"

namespace stackvisor::app {

QuietTrim::QuietTrim(uv_loop_t* loop) {
  uv_check_init(loop, check_.get());
  check_.MarkInitialized();
  check_->data = this;
  uv_timer_init(loop, timer_.get());
  timer_.MarkInitialized();
  timer_->data = this;
  uv_check_start(check_.get(), &QuietTrim::OnCheck);
  uv_unref(check_.raw());
  uv_unref(timer_.raw());
  // The check runs only after a poll returns, and an idle first poll never does: start-up is
  // the first activity.
  Arm(static_cast<uint64_t>(kQuiet.count()));
}

void QuietTrim::Arm(uint64_t after_ms) {
  turns_at_arm_ = turns_;
  uv_timer_start(timer_.get(), &QuietTrim::OnTimer, after_ms, 0);
}

void QuietTrim::OnCheck(uv_check_t* handle) noexcept {
  auto* self = static_cast<QuietTrim*>(handle->data);
  if (self == nullptr) return;
  if (self->timer_turn_) {
    self->timer_turn_ = false;
    return;
  }
  ++self->turns_;
  self->last_activity_ms_ = uv_now(handle->loop);
  if (uv_is_active(self->timer_.raw()) == 0)
    self->Arm(static_cast<uint64_t>(kQuiet.count()));
}

void QuietTrim::OnTimer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<QuietTrim*>(handle->data);
  if (self == nullptr) return;
  self->timer_turn_ = true;
  uint64_t now = uv_now(handle->loop);
  // A burst (a request and its close, a restart) spans a few iterations after the one that
  // armed the timer: it is over if nothing ran for a fifth of the period. A busy loop (a log
  // stream, a load) ran just now: look again a whole period later.
  auto quiet = static_cast<uint64_t>(kQuiet.count());
  if (self->turns_ != self->turns_at_arm_ && now - self->last_activity_ms_ < quiet / 5) {
    self->Arm(quiet);
    return;
  }
  auto min_interval = static_cast<uint64_t>(kMinInterval.count());
  if (self->last_drop_ms_ != 0 && now - self->last_drop_ms_ < min_interval) {
    self->Arm(min_interval - (now - self->last_drop_ms_));
    return;
  }
  base::DropCleanFileRanges();
  self->last_drop_ms_ = now;
}

}  // namespace stackvisor::app
