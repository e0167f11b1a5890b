#pragma once
// Helpers shared by the procs tests.
#include <uv.h>

#include "base/timer.h"

namespace stackvisor::procs::testing {

// Runs the loop until `done` or a 10 s deadline; returns done().
template <typename Pred>
bool RunUntil(uv_loop_t* loop, Pred done) {
  bool expired = false;
  base::Timer deadline(loop);
  deadline.Start(base::Duration(10000), [&] { expired = true; });
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  return done();
}

}  // namespace stackvisor::procs::testing
