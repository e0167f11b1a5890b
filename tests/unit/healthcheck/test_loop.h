#pragma once
// Loop helpers for the healthcheck tests: wait on a condition with a deadline, drain, close.
#include <uv.h>

#include <chrono>
#include <functional>

#include "base/timer.h"

namespace stackvisor::healthcheck::testing {

using namespace std::chrono_literals;

/// TestLoop owns a uv loop for one test. RunUntil runs it one turn at a time until the
/// condition holds or the deadline passes. Close() drains what is closing and reports whether
/// uv_loop_close succeeded (a leaked handle or request makes it fail).
class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  uv_loop_t* get() { return &loop_; }

  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5000ms) {
    if (done()) return true;
    bool expired = false;
    {
      base::Timer timer(&loop_);
      timer.Start(deadline, [&expired] { expired = true; });
      // A turn that ran a timer callback would still block in poll until the next event: the
      // prepare handle (run just before polling) stops the loop once the condition holds, and a
      // stopped loop polls without blocking.
      base::UvHandle<uv_prepare_t> check;
      uv_prepare_init(&loop_, check.get());
      check.MarkInitialized();
      check->data = const_cast<std::function<bool()>*>(&done);
      uv_prepare_start(check.get(), [](uv_prepare_t* handle) {
        auto* condition = static_cast<const std::function<bool()>*>(handle->data);
        if (condition != nullptr && (*condition)()) uv_stop(handle->loop);
      });
      while (!done() && !expired) uv_run(&loop_, UV_RUN_ONCE);
    }
    return done();
  }

  /// Runs the loop for a while, for tests asserting that nothing happens.
  void RunFor(std::chrono::milliseconds duration) {
    RunUntil([] { return false; }, duration);
  }

  int Close() {
    // Requests on the thread pool (getaddrinfo) may still be finishing: give them time.
    auto until = std::chrono::steady_clock::now() + 5s;
    while (uv_run(&loop_, UV_RUN_NOWAIT) != 0 && std::chrono::steady_clock::now() < until) {
    }
    return uv_loop_close(&loop_);
  }

 private:
  uv_loop_t loop_;
};

}  // namespace stackvisor::healthcheck::testing
