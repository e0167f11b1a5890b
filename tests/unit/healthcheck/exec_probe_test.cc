#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cerrno>
#include <optional>

#include "healthcheck/probe.h"
#include "procs/reaper.h"
#include "tests/unit/healthcheck/test_loop.h"

namespace stackvisor::healthcheck {
namespace {

using namespace std::chrono_literals;
using testing::TestLoop;

procs::SpawnSpec Spec(std::vector<std::string> argv) {
  procs::SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.capture_output = false;  // the probe captures anyway, for its detail
  return spec;
}

std::optional<ProbeResult> RunOnce(TestLoop& loop, ActiveProbe& probe,
                                   std::chrono::milliseconds timeout = 5000ms) {
  std::optional<ProbeResult> result;
  probe.Run(timeout, [&](ProbeResult r) { result = std::move(r); });
  CHECK_FALSE(result.has_value());  // never from inside Run
  loop.RunUntil([&] { return result.has_value(); }, 8000ms);
  return result;
}

// No child of ours is left, not even a zombie.
bool NoChildren() {
  int status;
  return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

TEST_CASE("exec probe: exit 0 is healthy, any other exit is not, with the last line") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    auto ok = MakeExecProbe(loop.get(), reaper, Spec({"true"}));
    auto result = RunOnce(loop, *ok);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "exit code 0");

    auto bad = MakeExecProbe(loop.get(), reaper, Spec({"/bin/false"}));
    result = RunOnce(loop, *bad);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "exit code 1");

    auto talky = MakeExecProbe(
        loop.get(), reaper,
        Spec({"/bin/sh", "-c", "echo first; echo '  127.0.0.1:5432 - no response  ' >&2; printf '\\n'; exit 2"}));
    result = RunOnce(loop, *talky);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "exit code 2: 127.0.0.1:5432 - no response");

    auto partial = MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "printf 'ok then'"}));
    result = RunOnce(loop, *partial);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "exit code 0: ok then");

    auto killed = MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "kill -SEGV $$"}));
    result = RunOnce(loop, *killed);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail.find("SIGSEGV") != std::string::npos);

    CHECK(reaper.watching() == 0);
    CHECK(NoChildren());
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("exec probe: a missing program fails with the spawn error") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    auto probe = MakeExecProbe(loop.get(), reaper, Spec({"/nonexistent/pg_isready"}));
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail.find("No such file or directory") != std::string::npos);
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("exec probe: a timeout kills the process group and the reaper reaps it") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    // A grandchild in the same group holds the pipes too: it must die with the group.
    auto probe =
        MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "sleep 10 & sleep 10; wait"}));
    auto start = std::chrono::steady_clock::now();
    auto result = RunOnce(loop, *probe, 200ms);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "timed out after 200ms");
    CHECK(took >= 190ms);  // libuv times from its cached loop time
    CHECK(took < 2000ms);
    // The shell is reaped through its (now quiet) watch; the sleeps, re-parented to init or to a
    // subreaper, are dead: either way nothing of ours is left.
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));

    auto sleeper = MakeExecProbe(loop.get(), reaper, Spec({"sleep", "10"}));
    result = RunOnce(loop, *sleeper, 200ms);
    REQUIRE(result.has_value());
    CHECK(result->detail == "timed out after 200ms");
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
    CHECK(reaper.orphans_reaped() == 0);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("exec probe: Cancel and destruction kill the child; done is never called") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    bool called = false;
    auto probe = MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "sleep 0.3"}));
    probe->Run(5000ms, [&](ProbeResult) { called = true; });
    probe->Cancel();
    auto other = MakeExecProbe(loop.get(), reaper, Spec({"sleep", "10"}));
    other->Run(5000ms, [&](ProbeResult) { called = true; });
    loop.RunFor(50ms);
    other.reset();
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
    CHECK_FALSE(called);
    // Once cancelled, the probe runs again normally.
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::healthcheck
