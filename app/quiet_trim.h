#pragma once
#include <uv.h>

#include "base/clock.h"
#include "base/uv_handle.h"

namespace stackvisor::app {

/// QuietTrim gives the supervisor's code pages back once its loop has gone quiet, so an idle
/// stack keeps only what idling needs resident (issue 11: idle RSS). A loop iteration arms a
/// one-shot timer if none is pending; when it fires and the loop has been quiet since the burst
/// that armed it (no log line, no request, no child exit for a fifth of kQuiet), it drops the clean file-backed pages
/// (base::DropCleanFileRanges): the start-up code, the code a burst of API requests or a
/// restart ran, libc's; otherwise it waits kQuiet again. The next event faults what it runs
/// back in. Drops are at least kMinInterval apart, so a stack with a probe every second pays
/// one extra wake-up per kMinInterval at most; an idle stack pays none (only activity arms the
/// timer), and a busy one a cheap check per iteration and a timer every kQuiet. Neither handle
/// keeps the loop alive.
class QuietTrim {
 public:
  static constexpr base::Duration kQuiet{250};
  static constexpr base::Duration kMinInterval{2000};

  explicit QuietTrim(uv_loop_t* loop);
  QuietTrim(const QuietTrim&) = delete;
  QuietTrim& operator=(const QuietTrim&) = delete;

 private:
  static void OnCheck(uv_check_t* handle) noexcept;
  static void OnTimer(uv_timer_t* handle) noexcept;
  void Arm(uint64_t after_ms);

  base::UvHandle<uv_check_t> check_;
  base::UvHandle<uv_timer_t> timer_;
  uint64_t turns_ = 0;          // loop iterations seen by the check handle
  uint64_t turns_at_arm_ = 0;
  uint64_t last_activity_ms_ = 0;  // uv_now() of the last iteration counted
  uint64_t last_drop_ms_ = 0;      // uv_now() of the last drop; 0 before the first
  bool timer_turn_ = false;     // the iteration the timer fired in is not activity
};

}  // namespace stackvisor::app
