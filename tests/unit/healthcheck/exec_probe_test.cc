#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

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

// True while pid exists and is not a zombie (a background child of a probe is not our child:
// once killed it is reaped by init or a subreaper, not by us).
bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  char state = text[close + 2];
  return state != 'Z' && state != 'X';
}

// The pid a probe script printed as its last line (`echo $!`), from "exit code 0: 1234".
pid_t PrintedPid(const ProbeResult& result) {
  size_t colon = result.detail.rfind(": ");
  if (colon == std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(result.detail.substr(colon + 2)));
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

TEST_CASE("exec probe: the verdict is the main process's exit; its group dies with it") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    // The background sleep holds both pipes open and would outlive the shell: the verdict must
    // not wait for it (the attempt's timeout is a minute; RunOnce gives up after 8 s) and it
    // must be killed with the shell's group.
    auto probe =
        MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "sleep 30 & echo $!; exit 0"}));
    auto result = RunOnce(loop, *probe, 60000ms);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    pid_t background = PrintedPid(*result);
    REQUIRE(background > 1);
    CHECK(loop.RunUntil([&] { return !Alive(background); }));
    CHECK(reaper.watching() == 0);

    // Failure is decided the same way, with the exit code and the last line.
    auto failing = MakeExecProbe(loop.get(), reaper,
                                 Spec({"/bin/sh", "-c", "sleep 30 & echo $!; exit 3"}));
    result = RunOnce(loop, *failing, 60000ms);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail.rfind("exit code 3: ", 0) == 0);
    background = PrintedPid(*result);
    REQUIRE(background > 1);
    CHECK(loop.RunUntil([&] { return !Alive(background); }));
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("exec probe: a child that left the group does not hold the verdict back") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    // setsid(1) in a non-interactive shell's background job does not fork: $! is the sleep,
    // now in its own session, out of reach of the group kill, holding the pipes.
    auto probe = MakeExecProbe(
        loop.get(), reaper, Spec({"/bin/sh", "-c", "setsid sleep 30 & echo $!; exit 0"}));
    auto result = RunOnce(loop, *probe, 60000ms);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    pid_t escaped = PrintedPid(*result);
    REQUIRE(escaped > 1);
    ::kill(escaped, SIGKILL);  // ours to clean up: the probe cannot reach it
    CHECK(loop.RunUntil([&] { return !Alive(escaped); }));
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("exec probe: the last line of a long output is read in full at the exit") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    // About 590 KB: more than a pipe holds, so part is read while it runs and the rest at exit.
    auto probe = MakeExecProbe(loop.get(), reaper, Spec({"/bin/sh", "-c", "seq 1 100000; exit 4"}));
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "exit code 4: 100000");
    CHECK(loop.RunUntil([&] { return reaper.watching() == 0 && NoChildren(); }));
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
