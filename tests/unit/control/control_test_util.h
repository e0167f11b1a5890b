#pragma once
// Real sockets on a real loop for the control tests: a temp dir, a loop whose clients run on
// another thread, and raw socket helpers for the abusive ones.
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "base/timer.h"
#include "base/unique_fd.h"

namespace stackvisor::control::testing {

using namespace std::chrono_literals;

/// TempDir makes a fresh 0700 directory and removes it with everything in it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/stackvisor-control-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Blocks SIGPIPE on this thread for the test (the app ignores it process-wide), and swallows
/// any that arrived before unblocking it again.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

/// LoopRunner owns a loop; Run() runs `client` on a thread while the loop serves, until the
/// thread is done or the deadline passes. Close() drains the loop and closes it.
class LoopRunner {
 public:
  LoopRunner() { uv_loop_init(&loop_); }
  uv_loop_t* get() { return &loop_; }

  /// Returns false if the deadline passed first (the thread is still joined).
  bool Run(const std::function<void()>& client, std::chrono::milliseconds deadline = 60s) {
    std::atomic<bool> done{false};
    std::thread thread([&] {
      client();
      done = true;
    });
    bool ok = RunUntil([&] { return done.load(); }, deadline);
    if (!ok) {
      // The client is stuck on a server that stopped answering: keep serving until it gives up.
      RunUntil([&] { return done.load(); }, 30s);
    }
    thread.join();
    return ok;
  }

  bool RunUntil(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    base::Timer poll(&loop_);  // wakes the loop to look at a condition set by another thread
    poll.StartRepeating(std::chrono::milliseconds(2), [] {});
    while (!condition() && std::chrono::steady_clock::now() < until) {
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return condition();
  }

  int Close() {
    auto until = std::chrono::steady_clock::now() + 5s;
    while (uv_run(&loop_, UV_RUN_NOWAIT) != 0 && std::chrono::steady_clock::now() < until) {
    }
    return uv_loop_close(&loop_);
  }

 private:
  uv_loop_t loop_;
};

/// A blocking client socket connected to `path`, or an invalid fd.
inline base::UniqueFd ConnectRaw(const std::filesystem::path& path) {
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return base::UniqueFd();
  }
  return fd;
}

inline void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// Reads until EOF, error or `timeout` (SO_RCVTIMEO); `timed_out` tells the last apart.
inline std::string ReadToEnd(int fd, std::chrono::milliseconds timeout, bool* timed_out = nullptr) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buffer[16 * 1024];
  if (timed_out != nullptr) *timed_out = false;
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && timed_out != nullptr) {
      *timed_out = true;
    }
    return out;
  }
}

}  // namespace stackvisor::control::testing
