// Socket activation in the spawner and ListenSocket: the child gets the sockets as fds 3.. and
// nothing else, with the systemd variables exact (LISTEN_PID the exec'd process's own pid), and
// a unix socket's file has its mode from the start and goes with its owner.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/pipe_reader.h"
#include "procs/listen_env.h"
#include "procs/listen_socket.h"
#include "procs/reaper.h"
#include "procs/spawner.h"

#include "tests/unit/procs/procs_test_util.h"

using namespace stackvisor;

namespace {

using procs::testing::RunUntil;

// Runs `script` under sh with `spec`'s listening sockets; returns stdout and the child's pid.
std::pair<std::string, pid_t> RunSh(uv_loop_t* loop, procs::Reaper& reaper,
                                    const std::string& script, procs::SpawnSpec spec) {
  spec.argv = {"sh", "-c", script};
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
  if (!RunUntil(loop, [&] { return exited && out_eof && err_eof; })) return {"timeout", 0};
  return {out, child.value().pid};
}

// Prints the shell's own fds on one line. ls runs in a subshell, redirected there (dash parks
// its stdout on fd 10 for a redirection of its own), so the shell holds nothing extra.
std::string ListFds(const std::string& dir) {
  return "(ls /proc/$$/fd > " + dir + "/fds); tr '\\n' ' ' < " + dir + "/fds; echo; rm " + dir +
         "/fds";
}

std::string TempDir() {
  char dir[] = "/tmp/sv-listen-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  return dir;
}

}  // namespace

TEST_CASE("a child gets its listening sockets as fds 3.. and LISTEN_* naming itself") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  const std::string dir = TempDir();
  {
    procs::Reaper reaper(&loop);
    procs::ListenAddress tcp;
    tcp.host = "127.0.0.1";  // port 0: any free one
    procs::ListenAddress unix_address;
    unix_address.kind = procs::ListenAddress::Kind::kUnix;
    unix_address.path = dir + "/admin.sock";
    auto a = procs::ListenSocket::Open(tcp);
    REQUIRE(a.ok());
    auto b = procs::ListenSocket::Open(unix_address);
    REQUIRE(b.ok());
    procs::SpawnSpec spec;
    // Variables of ours that look alike are replaced, not duplicated.
    spec.env = {"PATH=/usr/bin:/bin", "LISTEN_FDS=9", "LISTEN_PID=1"};
    spec.listen_fds = {a.value()->fd(), b.value()->fd()};
    spec.listen_fd_names = {"web", "admin"};
    // $$ is the shell's pid: the process exec'd, as LISTEN_PID must name.
    auto [out, pid] = RunSh(&loop, reaper,
                            "echo \"$$ $LISTEN_PID $LISTEN_FDS $LISTEN_FDNAMES\"; "
                            "env | grep -c '^LISTEN_'; " + ListFds(dir) +
                                "; readlink /proc/$$/fd/3 /proc/$$/fd/4 | cut -d: -f1",
                            spec);
    CHECK(out == std::to_string(pid) + " " + std::to_string(pid) + " 2 web:admin\n3\n" +
                     "0 1 2 3 4 \nsocket\nsocket\n");
    // The slots are /dev/null again: no copy of the sockets is left but their owners'.
    procs::SpawnSpec plain_spec;
    plain_spec.env = {"PATH=/usr/bin:/bin"};
    auto [plain, plain_pid] = RunSh(&loop, reaper,
                                    "env | grep -c '^LISTEN_'; " + ListFds(dir), plain_spec);
    CHECK(plain == "0\n0 1 2 \n");
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  rmdir(dir.c_str());
}

TEST_CASE("ListenSocket: a unix socket's file has its mode, a stale one is replaced, "
          "anything else is kept") {
  const std::string dir = TempDir();
  procs::ListenAddress address;
  address.kind = procs::ListenAddress::Kind::kUnix;
  address.path = dir + "/s.sock";
  address.mode = 0660;
  {
    // A socket file nobody listens on: replaced.
    int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", address.path.c_str());
    REQUIRE(bind(stale, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
    close(stale);
    auto opened = procs::ListenSocket::Open(address);
    REQUIRE(opened.ok());
    struct stat st {};
    REQUIRE(stat(address.path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0660);
    // A live one is not taken over.
    auto second = procs::ListenSocket::Open(address);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message == "bind unix:" + address.path + ": Address already in use");
  }
  // Its owner removed it.
  CHECK(access(address.path.c_str(), F_OK) != 0);
  const std::string file = dir + "/file";
  FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  address.path = file;
  auto refused = procs::ListenSocket::Open(address);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "bind unix:" + file + ": the path exists and is not a socket");
  CHECK(access(file.c_str(), F_OK) == 0);
  unlink(file.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("ListenSocket: a TCP address in use is an error naming it") {
  procs::ListenAddress address;
  address.host = "127.0.0.1";
  auto first = procs::ListenSocket::Open(address);
  REQUIRE(first.ok());
  sockaddr_in sin{};
  socklen_t length = sizeof sin;
  REQUIRE(getsockname(first.value()->fd(), reinterpret_cast<sockaddr*>(&sin), &length) == 0);
  address.port = ntohs(sin.sin_port);
  auto second = procs::ListenSocket::Open(address);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message ==
        "bind 127.0.0.1:" + std::to_string(address.port) + ": Address already in use");
}

TEST_CASE("WithListenEnv: ours replace any LISTEN_* entries, names joined, unknown filled in") {
  CHECK(procs::WithListenEnv({"A=1", "LISTEN_FDS=9", "LISTEN_PID=1", "LISTEN_FDNAMES=x", "B=2"},
                             3, {"web", "admin"}) ==
        std::vector<std::string>{"A=1", "B=2", "LISTEN_FDS=3",
                                 "LISTEN_FDNAMES=web:admin:unknown"});
}
