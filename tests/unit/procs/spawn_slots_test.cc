// The spawner's fd hygiene when stackvisor holds thousands of pipe ends: a child gets a small
// private fd table with exactly fds 0-2, and stackvisor keeps no copy of a child's write ends.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <vector>

#include "base/pipe_reader.h"
#include "base/timer.h"
#include "procs/reaper.h"
#include "procs/spawn_slots.h"
#include "procs/spawner.h"

#include "tests/unit/procs/procs_test_util.h"

using namespace stackvisor;

namespace {

using procs::testing::RunUntil;

// Runs `script` under sh and returns its stdout once it exited and both pipes reached EOF
// (or "timeout" when either did not within the deadline).
std::string RunSh(uv_loop_t* loop, procs::Reaper& reaper, const std::string& script) {
  procs::SpawnSpec spec;
  spec.argv = {"sh", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  auto child = procs::Spawn(spec);
  REQUIRE(child.ok());
  std::string out;
  bool exited = false, out_eof = false, err_eof = false;
  reaper.Watch(child.value().pid, [&](procs::WaitStatus) { exited = true; });
  base::PipeReader out_reader(loop, std::move(child.value().stdout_read),
                              [&](std::string_view chunk) { out.append(chunk); },
                              [&](int) { out_eof = true; });
  base::PipeReader err_reader(loop, std::move(child.value().stderr_read),
                              [](std::string_view) {}, [&](int) { err_eof = true; });
  if (!RunUntil(loop, [&] { return exited && out_eof && err_eof; })) return "timeout";
  return out;
}

std::string FdTarget(int fd) {
  char target[256];
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target);
  return n < 0 ? "" : std::string(target, static_cast<size_t>(n));
}

}  // namespace

TEST_CASE("with thousands of fds open here, a child gets a small fd table holding fds 0-2 only") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  {
    procs::Reaper reaper(&loop);
    // The first spawn reserves the slots, as stackvisor's first service does, before the pipes.
    CHECK(RunSh(&loop, reaper, "true").empty());
    constexpr int kPipes = 3000;  // 6,000 fds, like 3,000 services
    rlimit raised = saved;
    raised.rlim_cur = raised.rlim_max;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &raised) == 0);
    REQUIRE(raised.rlim_max > 2 * kPipes + 100);
    std::vector<int> held;
    for (int i = 0, fds[2]; i < kPipes && pipe(fds) == 0; ++i)
      held.insert(held.end(), {fds[0], fds[1]});  // not even close-on-exec
    REQUIRE(held.size() == 2 * kPipes);
    // $$ is sh itself, exec'd straight from the spawner: its table is the one the clone gave.
    std::string out = RunSh(&loop, reaper, "grep FDSize /proc/$$/status; ls /proc/$$/fd");
    for (int fd : held) close(fd);
    // A copy of our table would be >= 8192 entries (vfork's was); the slots fit in the
    // kernel's smallest table.
    CHECK(out == "FDSize:\t64\n0\n1\n2\n");
  }
  setrlimit(RLIMIT_NOFILE, &saved);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("no write end of a child's pipes stays open here: EOF comes when the child exits") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    procs::Reaper reaper(&loop);
    // A leaked write end would keep the pipes open after exit: RunSh would time out.
    CHECK(RunSh(&loop, reaper, "echo out; echo err >&2") == "out\n");
    auto slots = procs::SpawnSlots::Instance();
    REQUIRE(slots.ok());
    for (int slot = 0; slot < procs::SpawnSlots::kCount; ++slot)
      CHECK(FdTarget(slots.value()->fd(static_cast<procs::SpawnSlots::Slot>(slot))) ==
            "/dev/null");
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
