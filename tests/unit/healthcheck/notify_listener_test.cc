#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "healthcheck/notify_listener.h"
#include "procs/reaper.h"
#include "procs/spawner.h"
#include "tests/unit/healthcheck/test_loop.h"

namespace stackvisor::healthcheck {
namespace {

using namespace std::chrono_literals;
using testing::TestLoop;
using Message = std::pair<std::string, std::string>;

// Forks a child that sends each datagram to the "@abstract" address and exits; everything it
// needs is prepared before the fork (only async-signal-safe calls in the child).
pid_t ForkSender(const std::string& address, const std::vector<std::string>& datagrams) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, address.data() + 1, address.size() - 1);
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    for (const std::string& d : datagrams) {
      if (::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&addr), len) < 0) _exit(1);
    }
    _exit(0);
  }
  return pid;
}

bool Reap(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_CASE("NotifyListener: an abstract address, messages split on newlines, per pid") {
  TestLoop loop;
  {
    auto created = NotifyListener::Create(loop.get());
    REQUIRE(created.ok());
    NotifyListener& listener = *created.value();
    const std::string& address = listener.socket_address();
    CHECK(address.rfind("@stackvisor-" + std::to_string(::getpid()) + "-", 0) == 0);

    SUBCASE("postgres: READY=1 without a trailing newline") {
      std::vector<Message> got;
      pid_t pid = ForkSender(address, {"READY=1"});
      listener.Watch(pid, [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
      REQUIRE(loop.RunUntil([&] { return !got.empty(); }));
      CHECK(Reap(pid));
      CHECK(got == std::vector<Message>{{"READY", "1"}});
    }
    SUBCASE("redis: one message per datagram, each with a trailing newline") {
      std::vector<Message> got;
      pid_t pid = ForkSender(address, {"STATUS=Ready to accept connections\n", "READY=1\n"});
      listener.Watch(pid, [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
      REQUIRE(loop.RunUntil([&] { return got.size() == 2; }));
      CHECK(Reap(pid));
      CHECK(got == std::vector<Message>{{"STATUS", "Ready to accept connections"}, {"READY", "1"}});
    }
    SUBCASE("gunicorn: several messages in one datagram; junk lines skipped") {
      std::vector<Message> got;
      pid_t pid = ForkSender(address, {"READY=1\nSTATUS=Gunicorn arbiter booted", "\n\nnoequals\n=x\nA==b\n"});
      listener.Watch(pid, [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
      REQUIRE(loop.RunUntil([&] { return got.size() == 3; }));
      CHECK(Reap(pid));
      CHECK(got == std::vector<Message>{{"READY", "1"}, {"STATUS", "Gunicorn arbiter booted"}, {"A", "=b"}});
    }
    SUBCASE("unknown pids are dropped; Forget stops delivery") {
      std::vector<Message> mine;
      listener.Watch(::getpid(), [&](std::string_view k, std::string_view v) { mine.emplace_back(k, v); });
      pid_t stranger = ForkSender(address, {"READY=1"});
      REQUIRE(Reap(stranger));  // its datagram is queued before ours
      ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
      CHECK(NotifySystemd("MARK=1"));
      REQUIRE(loop.RunUntil([&] { return !mine.empty(); }));
      CHECK(mine == std::vector<Message>{{"MARK", "1"}});
      CHECK(listener.dropped() == 1);
      listener.Forget(::getpid());
      CHECK(NotifySystemd("MARK=2"));
      CHECK(loop.RunUntil([&] { return listener.dropped() == 2; }));
      CHECK(mine.size() == 1);
      ::unsetenv("NOTIFY_SOCKET");
    }
    SUBCASE("a callback may Forget its own pid mid-datagram") {
      std::vector<Message> got;
      listener.Watch(::getpid(), [&](std::string_view k, std::string_view v) {
        got.emplace_back(k, v);
        listener.Forget(::getpid());
      });
      ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
      CHECK(NotifySystemd("READY=1\nSTATUS=x\n"));
      ::unsetenv("NOTIFY_SOCKET");
      REQUIRE(loop.RunUntil([&] { return !got.empty(); }));
      loop.RunFor(20ms);
      CHECK(got == std::vector<Message>{{"READY", "1"}});
    }
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("NotifyListener: a real client (python3) spawned with NOTIFY_SOCKET") {
  TestLoop loop;
  {
    procs::Reaper reaper(loop.get());
    auto created = NotifyListener::Create(loop.get());
    REQUIRE(created.ok());
    NotifyListener& listener = *created.value();
    procs::SpawnSpec spec;
    spec.argv = {"/usr/bin/python3", "-c",
                 "import os, socket\n"
                 "a = os.environ['NOTIFY_SOCKET']\n"
                 "a = '\\0' + a[1:] if a.startswith('@') else a\n"
                 "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
                 "s.sendto(b'STATUS=starting\\nREADY=1\\n', a)\n"};
    spec.env = {"PATH=/usr/bin:/bin", "NOTIFY_SOCKET=" + listener.socket_address()};
    spec.capture_output = false;
    auto child = procs::Spawn(spec);
    REQUIRE(child.ok());
    pid_t pid = child.value().pid;
    bool exited = false;
    reaper.Watch(pid, [&](procs::WaitStatus) { exited = true; });
    bool ready = false;
    listener.Watch(pid, [&](std::string_view k, std::string_view v) {
      if (k == "READY" && v == "1") ready = true;
    });
    CHECK(loop.RunUntil([&] { return ready && exited; }, 10000ms));
    CHECK(listener.dropped() == 0);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("NotifySystemd: unset, abstract and filesystem addresses") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(NotifySystemd("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(NotifySystemd("READY=1"));

  char dir_template[] = "/tmp/stackvisor-notify-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  std::string path = std::string(dir_template) + "/notify.sock";
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  CHECK(NotifySystemd("STOPPING=1"));
  char buf[64] = {};
  ssize_t n = ::recv(fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "STOPPING=1");
  ::unsetenv("NOTIFY_SOCKET");
  ::unlink(path.c_str());
  ::rmdir(dir_template);
  // Nobody listening at the address: a failure, not a crash.
  ::setenv("NOTIFY_SOCKET", "@stackvisor-test-nobody-listens-here", 1);
  CHECK_FALSE(NotifySystemd("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace stackvisor::healthcheck
