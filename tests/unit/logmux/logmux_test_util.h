#pragma once
// Helpers for the logmux tests: a pipe whose reader is a thread the test controls, and a loop
// that can be run until a condition holds, with a deadline.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uv.h>

#include <stdio.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "logmux/output.h"

namespace stackvisor::logmux::testing {

/// PipeDrain owns a pipe. Output writes to write_fd(); a thread reads everything into a string
/// unless paused. Close the write end (after the Output is gone) to end the thread at EOF.
class PipeDrain {
 public:
  PipeDrain() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    read_.Reset(fds[0]);
    write_.Reset(fds[1]);
    wake_.Reset(::eventfd(0, EFD_CLOEXEC));
    thread_ = std::thread([this] { Run(); });
  }
  ~PipeDrain() {
    CloseReadEnd();
    CloseWriteEnd();
  }

  int write_fd() const { return write_.get(); }
  void CloseWriteEnd() { write_.Reset(); }

  void Pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
  }
  void Resume() {
    {
      std::lock_guard lock(mu_);
      paused_ = false;
    }
    cv_.notify_all();
  }
  // Stops the reader thread and closes the read end: the next write gets EPIPE.
  void CloseReadEnd() {
    if (!read_.valid()) return;
    {
      std::lock_guard lock(mu_);
      quit_ = true;
      paused_ = false;
    }
    cv_.notify_all();
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);  // wakes a reader waiting in poll()
    if (thread_.joinable()) thread_.join();
    read_.Reset();
  }

  bool WaitFor(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return done(data_); });
  }
  bool WaitForEof(std::chrono::milliseconds deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return eof_; });
  }
  std::string data() const {
    std::lock_guard lock(mu_);
    return data_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return data_.size();
  }

 private:
  void Run() {
    std::string buffer(64 * 1024, '\0');
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !paused_ || quit_; });
        if (quit_) return;
      }
      pollfd fds[2] = {{read_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      ssize_t n = ::read(read_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (quit_) return;
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        return;
      }
      data_.append(buffer.data(), static_cast<size_t>(n));
      cv_.notify_all();
    }
  }

  base::UniqueFd read_;
  base::UniqueFd write_;
  base::UniqueFd wake_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string data_;
  bool paused_ = false;
  bool quit_ = false;
  bool eof_ = false;
};

/// TestLoop owns a uv loop; the destructor drains it and checks that every handle was closed.
class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    if (!closed_) Close();
  }
  // Drains the loop (close callbacks) and closes it; false when a handle is still open.
  bool Close() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    closed_ = uv_loop_close(&loop_) == 0;
    return closed_;
  }
  uv_loop_t* get() { return &loop_; }

  // Runs the loop until done() or the deadline; a short repeating timer wakes the loop so the
  // deadline is checked even when no other event comes.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    uv_timer_t tick;
    uv_timer_init(&loop_, &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
    bool ok = done();
    while (!ok && std::chrono::steady_clock::now() < end) {
      uv_run(&loop_, UV_RUN_ONCE);
      ok = done();
    }
    bool tick_closed = false;
    tick.data = &tick_closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&tick),
             [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
    while (!tick_closed) uv_run(&loop_, UV_RUN_NOWAIT);
    return ok;
  }

 private:
  uv_loop_t loop_;
  bool closed_ = false;
};

/// An Output on a temporary file, read back after Flush.
class FileOutput {
 public:
  explicit FileOutput(uv_loop_t* loop) : file_(tmpfile()), output_(loop, fileno(file_)) {}
  ~FileOutput() { fclose(file_); }
  Output& output() { return output_; }
  std::string Text() {
    output_.Flush();
    std::string text;
    char buffer[65536];
    ::lseek(fileno(file_), 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fileno(file_), buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
    return text;
  }

 private:
  FILE* file_;
  Output output_;
};

}  // namespace stackvisor::logmux::testing
