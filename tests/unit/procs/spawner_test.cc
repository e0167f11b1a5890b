// Spawn and Reaper against real children: statuses decoded exactly, errors named, and the
// child's hygiene (session, signal mask, fds) as the spawner promises.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <optional>
#include <string>

#include "base/pipe_reader.h"
#include "base/timer.h"
#include "procs/children.h"
#include "procs/reaper.h"
#include "procs/spawner.h"

using namespace stackvisor;

namespace {

// Runs the loop until `done` or a 10 s deadline.
template <typename Pred>
bool RunUntil(uv_loop_t* loop, Pred done) {
  bool expired = false;
  base::Timer deadline(loop);
  deadline.Start(base::Duration(10000), [&] { expired = true; });
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  return done();
}

procs::SpawnSpec Sh(const std::string& script) {
  procs::SpawnSpec spec;
  spec.argv = {"sh", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  return spec;
}

}  // namespace

TEST_CASE("exit codes and deaths by signal reach the watcher exactly") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    procs::Reaper reaper(&loop);
    std::optional<procs::WaitStatus> code15, term;
    auto a = procs::Spawn(Sh("exit 15"));
    REQUIRE(a.ok());
    reaper.Watch(a.value().pid, [&](procs::WaitStatus s) { code15 = s; });
    auto b = procs::Spawn(Sh("kill -TERM $$"));
    REQUIRE(b.ok());
    reaper.Watch(b.value().pid, [&](procs::WaitStatus s) { term = s; });
    REQUIRE(RunUntil(&loop, [&] { return code15 && term; }));
    CHECK(code15->exited());
    CHECK(code15->exit_code() == 15);
    CHECK(code15->Describe() == "exited with code 15");
    CHECK(term->signaled());
    CHECK(term->signal() == SIGTERM);
    CHECK(term->ShellCode() == 143);
    CHECK(term->Describe() == "killed by SIGTERM");
    CHECK(reaper.watching() == 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("a missing or non-executable program is reported with its name and errno") {
  procs::SpawnSpec spec;
  spec.argv = {"/no/such/program"};
  auto missing = procs::Spawn(spec);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "spawn /no/such/program: No such file or directory");
  spec.argv = {"no-such-program-anywhere"};
  spec.env = {"PATH=/usr/bin:/bin"};
  CHECK(procs::Spawn(spec).error().message ==
        "spawn no-such-program-anywhere: No such file or directory");
  char plain[] = "/tmp/stackvisor-plain-XXXXXX";
  int fd = mkstemp(plain);  // mode 0600: not executable, even for root
  REQUIRE(fd >= 0);
  close(fd);
  spec.argv = {plain};
  CHECK(procs::Spawn(spec).error().message == std::string("spawn ") + plain + ": Permission denied");
  chmod(plain, 0700);  // executable but not a program: execve's own error comes back
  CHECK(procs::Spawn(spec).error().message == std::string("spawn ") + plain + ": Exec format error");
  unlink(plain);
  spec.argv = {"true"};
  spec.working_dir = "/no/such/dir";
  CHECK(procs::Spawn(spec).error().message ==
        "spawn true: working_dir /no/such/dir: No such file or directory");
}

TEST_CASE("the child runs in its own session with a clean signal state and only fds 0-2") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    procs::Reaper reaper(&loop);
    // Ignore and block something here: the child must not inherit either.
    std::signal(SIGUSR1, SIG_IGN);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    auto child = procs::Spawn(Sh(
        "grep -E '^(SigBlk|SigIgn)' /proc/self/status; ls /proc/self/fd | tr '\\n' ' '; echo;"
        "ps -o sid= -p $$; echo pid $$; readlink /proc/self/fd/0; readlink /proc/$$/fd/1"));
    sigprocmask(SIG_SETMASK, &old, nullptr);
    std::signal(SIGUSR1, SIG_DFL);
    REQUIRE(child.ok());
    std::string out;
    bool exited = false, eof = false;
    reaper.Watch(child.value().pid, [&](procs::WaitStatus) { exited = true; });
    base::PipeReader reader(&loop, std::move(child.value().stdout_read),
                            [&](std::string_view chunk) { out.append(chunk); },
                            [&](int) { eof = true; });
    REQUIRE(RunUntil(&loop, [&] { return exited && eof; }));
    CHECK(out.find("SigBlk:\t0000000000000000") != std::string::npos);
    CHECK(out.find("SigIgn:\t0000000000000000") != std::string::npos);
    // ls itself holds one directory fd (3); nothing else may be open.
    CHECK(out.find("0 1 2 3 \n") != std::string::npos);
    std::string pid = std::to_string(child.value().pid);
    CHECK(out.find(pid + "\npid " + pid) != std::string::npos);  // sid == pid
    CHECK(out.find("/dev/null") != std::string::npos);
    CHECK(out.find("pipe:[") != std::string::npos);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("orphans are reaped and counted; ListChildren finds live children only") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    procs::Reaper reaper(&loop);
    auto child = procs::Spawn(Sh("sleep 5"));
    REQUIRE(child.ok());
    auto kids = procs::ListChildren(getpid());
    CHECK(std::find(kids.begin(), kids.end(), child.value().pid) != kids.end());
    int orphans = 0;
    reaper.SetOrphanCallback([&](pid_t, procs::WaitStatus) { ++orphans; });
    procs::SignalGroup(child.value().pid, SIGKILL);  // unwatched: arrives as an orphan
    REQUIRE(RunUntil(&loop, [&] { return orphans == 1; }));
    CHECK(reaper.orphans_reaped() == 1);
    kids = procs::ListChildren(getpid());
    CHECK(std::find(kids.begin(), kids.end(), child.value().pid) == kids.end());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
}
