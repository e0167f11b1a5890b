// The guardian against a real fork: its pipe stays above fds 0-2 even when one of them was
// closed at start, and a Release() lets it exit at once.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <thread>

#include "procs/guardian.h"

using namespace stackvisor;

namespace {

std::string Link(pid_t pid, int fd) {
  char buf[256];
  std::string path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

std::string Comm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

TEST_CASE("the guardian's pipe is above fds 0-2 even when stdin was closed at start") {
  int saved = dup(STDIN_FILENO);
  REQUIRE(saved >= 0);
  close(STDIN_FILENO);  // pipe2 would now hand out fd 0
  auto guardian = procs::Guardian::Start();
  dup2(saved, STDIN_FILENO);
  close(saved);
  REQUIRE(guardian.ok());
  pid_t pid = guardian.value().pid();
  // PR_SET_NAME comes after its dup2 of /dev/null onto 0-2.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Comm(pid) != "stackvisor-guar" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(Comm(pid) == "stackvisor-guar");
  for (int fd = 0; fd < 3; ++fd) CHECK(Link(pid, fd) == "/dev/null");
  bool pipe_above = false;
  for (int fd = 3; fd < 64; ++fd) pipe_above = pipe_above || Link(pid, fd).rfind("pipe:", 0) == 0;
  CHECK(pipe_above);
  int status = 0;
  CHECK(waitpid(pid, &status, WNOHANG) == 0);  // still waiting for us
  auto previous = std::signal(SIGPIPE, SIG_IGN);  // as in stackvisor: a gone guardian is EPIPE
  guardian.value().Release();
  std::signal(SIGPIPE, previous);
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
