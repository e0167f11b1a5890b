// Spawn and Reaper against real children: statuses decoded exactly, errors named, and the
// child's hygiene (session, signal mask, fds) as the spawner promises.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <optional>
#include <string>
#include <thread>

#include "base/pipe_reader.h"
#include "base/timer.h"
#include "procs/children.h"
#include "procs/reaper.h"
#include "procs/spawner.h"

#include "tests/unit/procs/procs_test_util.h"

using namespace stackvisor;

namespace {

using procs::testing::RunUntil;

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
  chmod(plain, 0700);  // executable but not a program: execve's own error, with the step
  CHECK(procs::Spawn(spec).error().message ==
        std::string("spawn: exec ") + plain + ": Exec format error");
  unlink(plain);
  spec.argv = {"true"};
  spec.working_dir = "/no/such/dir";
  CHECK(procs::Spawn(spec).error().message ==
        "spawn: chdir to /no/such/dir: No such file or directory");
}

namespace {

procs::Credentials Nobody() { return procs::Credentials{65534, 65534, {65534}, "nobody"}; }

// Runs Spawn on a thread whose effective capabilities lack `cap`: capabilities are per thread,
// and a vforked child starts with its thread's, so the rest of the process keeps root.
std::string SpawnErrorWithout(int cap, procs::SpawnSpec spec) {
  std::string message;
  std::thread([&] {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return void(message = "capget failed");
    data[cap / 32].effective &= ~(1U << (cap % 32));
    if (syscall(SYS_capset, &header, data) != 0) return void(message = "capset failed");
    auto result = procs::Spawn(spec);
    message = result.ok() ? "started" : result.error().message;
  }).join();
  return message;
}

}  // namespace

TEST_CASE("a failing step of the child's setup is named with what it acted on") {
  if (geteuid() != 0) {
    procs::SpawnSpec spec = Sh("true");
    spec.credentials = Nobody();
    CHECK(procs::Spawn(spec).error().message ==
          "spawn: setgroups for nobody: Operation not permitted");
    MESSAGE("the other steps are checked as root only");
    return;
  }
  char dir[] = "/tmp/stackvisor-private-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);  // mode 0700, owned by root: nobody cannot enter it
  procs::SpawnSpec spec = Sh("true");
  spec.credentials = Nobody();
  spec.working_dir = dir;
  CHECK(procs::Spawn(spec).error().message ==
        std::string("spawn: chdir to ") + dir + " as nobody: Permission denied");
  spec.credentials->name.clear();  // a bare uid without a passwd entry
  CHECK(procs::Spawn(spec).error().message ==
        std::string("spawn: chdir to ") + dir + " as uid 65534: Permission denied");
  rmdir(dir);

  spec.working_dir.clear();
  spec.credentials = Nobody();
  CHECK(SpawnErrorWithout(CAP_SETUID, spec) == "spawn: setuid 65534: Operation not permitted");
  CHECK(SpawnErrorWithout(CAP_SETGID, spec) ==
        "spawn: setgroups for nobody: Operation not permitted");

  // Executable for root (any x bit) but not for the user the child becomes.
  char script[] = "/tmp/stackvisor-rootonly-XXXXXX";
  int fd = mkstemp(script);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "#!/bin/sh\n", 10) == 10);
  close(fd);
  chmod(script, 0700);
  spec.argv = {script};
  CHECK(procs::Spawn(spec).error().message ==
        std::string("spawn: exec ") + script + ": Permission denied");
  unlink(script);
}

TEST_CASE("a relative command or PATH entry is looked up in the child's working directory") {
  char dir[] = "/tmp/stackvisor-wd-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string wd = dir;
  REQUIRE(mkdir((wd + "/bin").c_str(), 0755) == 0);
  for (const char* name : {"/hi.sh", "/bin/tool"}) {
    int fd = open((wd + name).c_str(), O_CREAT | O_WRONLY, 0755);
    REQUIRE(fd >= 0);
    close(fd);
  }
  CHECK(procs::ResolveExecutable("./hi.sh", "/usr/bin", wd).value() == wd + "/./hi.sh");
  CHECK(procs::ResolveExecutable("bin/tool", "/usr/bin", wd).value() == wd + "/bin/tool");
  CHECK(procs::ResolveExecutable("hi.sh", "/usr/bin:.", wd).value() == wd + "/./hi.sh");
  CHECK(procs::ResolveExecutable("hi.sh", "/usr/bin:", wd).value() == wd + "/./hi.sh");
  CHECK(procs::ResolveExecutable("tool", "bin:/usr/bin", wd).value() == wd + "/bin/tool");
  CHECK(procs::ResolveExecutable("/bin/sh", "", wd).value() == "/bin/sh");
  CHECK(procs::ResolveExecutable("./nope.sh", "", wd).error().message ==
        "spawn ./nope.sh in " + wd + ": No such file or directory");
  CHECK(procs::ResolveExecutable("hi.sh", "/usr/bin", wd).error().message ==
        "spawn hi.sh: No such file or directory");
  for (const char* name : {"/hi.sh", "/bin/tool"}) unlink((wd + name).c_str());
  rmdir((wd + "/bin").c_str());
  rmdir(dir);
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
