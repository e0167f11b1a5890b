#include "logmux/output.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "base/uv_handle.h"
#include "logmux/status_line.h"

namespace stackvisor::logmux {
namespace {

// Writes all of `data` with blocking write(2)s. Returns 0, or the errno that stopped it.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Another process sharing the open file description made it non-blocking: wait for room
      // here instead of changing the flags back under its feet.
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return errno;
      continue;
    }
    return n < 0 ? errno : EIO;
  }
  return 0;
}

// Writes head + body + tail as one writev where the fd takes it whole (a terminal does): the
// status block's erase and redraw travel with the lines they surround. Returns 0 or the errno.
int WriteAllV(int fd, std::string_view head, std::string_view body, std::string_view tail) {
  std::string_view parts[3] = {head, body, tail};
  size_t first = 0;
  for (;;) {
    while (first < 3 && parts[first].empty()) ++first;
    if (first == 3) return 0;
    iovec iov[3];
    int count = 0;
    for (size_t i = first; i < 3; ++i) {
      if (parts[i].empty()) continue;
      iov[count].iov_base = const_cast<char*>(parts[i].data());
      iov[count].iov_len = parts[i].size();
      ++count;
    }
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return errno;
      continue;
    }
    if (n <= 0) return n < 0 ? errno : EIO;
    for (size_t left = static_cast<size_t>(n); first < 3 && left > 0; ++first) {
      size_t take = std::min(left, parts[first].size());
      parts[first].remove_prefix(take);
      left -= take;
      if (!parts[first].empty()) break;
    }
  }
}

}  // namespace

struct Output::State {
  State(int out_fd, size_t high) : fd(out_fd), high_water(high), low_water(high / 2) {}

  void RunWriter();
  /// After bytes were queued (on the loop thread, without the lock): wake the writer and
  /// enter congestion as needed.
  void Committed(bool was_empty, bool crossed_high_water);
  static void OnDrained(uv_async_t* handle) noexcept;
  static void OnKick(uv_prepare_t* handle) noexcept;

  const int fd;
  const size_t high_water;
  const size_t low_water;
  base::UvHandle<uv_async_t> async;
  // Wakes the writer once per loop iteration, just before the loop would block, instead of
  // once per Write: with one short line per read(2) that saved a futex round trip per line.
  base::UvHandle<uv_prepare_t> kick;
  bool kick_armed = false;  // loop thread only
  std::function<void(bool)> on_pressure;  // loop thread only
  bool congested = false;                 // loop thread only (written under mu for the writer's sake)
  uint64_t write_calls = 0;               // loop thread only
  std::thread writer;

  mutable std::mutex mu;
  std::condition_variable work_cv;     // the writer sleeps here when there is nothing to write
  std::condition_variable drained_cv;  // Flush sleeps here
  BatchBuffer front;                   // filled by Write and Lines, taken whole by the writer
  size_t in_flight = 0;                // size of the batch the writer is writing
  uint64_t accepted = 0;               // bytes ever accepted
  uint64_t done = 0;                   // bytes ever written (or discarded once broken)
  bool stopping = false;
  bool abandoned = false;   // the async handle may be closed: never touch it again
  bool want_drain = false;  // the loop waits for pending < low_water
  std::string status_draw;        // the status block asked for last (StatusDraw bytes)
  size_t status_lines = 0;        // its line count
  bool status_dirty = false;      // not yet drawn by the writer
  uint64_t status_version = 0;    // SetStatus calls that changed the block
  uint64_t status_written = 0;    // the version the writer last drew (Flush waits for it)

  std::atomic<bool> broken{false};
  std::atomic<int> error{0};
};

void Output::State::RunWriter() {
  BatchBuffer batch;
  // The block on screen (writer thread only): what erases it and what redraws it.
  std::string erase;
  std::string draw;
  std::unique_lock lock(mu);
  for (;;) {
    work_cv.wait(lock, [this] { return !front.empty() || status_dirty || stopping; });
    if (front.empty() && !status_dirty) return;  // stopping, and everything is out
    batch.Swap(front);          // front keeps the old batch's capacity: no allocation when steady
    in_flight = batch.size();
    const bool redraw = status_dirty;
    const uint64_t version = status_version;
    std::string old_erase;
    if (redraw) {
      status_dirty = false;
      old_erase = std::move(erase);
      draw = status_draw;
      erase = StatusErase(status_lines);
    }
    lock.unlock();

    if (!broken.load(std::memory_order_relaxed)) {
      int err = 0;
      if (redraw) err = WriteAllV(fd, old_erase, batch.view(), draw);
      else if (erase.empty()) err = WriteAll(fd, batch.view());  // no block: the lines alone
      else err = WriteAllV(fd, erase, batch.view(), draw);
      if (err != 0) {
        error.store(err, std::memory_order_relaxed);
        broken.store(true, std::memory_order_release);
      }
    }
    batch.Clear();

    lock.lock();
    done += in_flight;
    in_flight = 0;
    status_written = version;
    drained_cv.notify_all();
    if (want_drain && !abandoned && front.size() < low_water) {
      want_drain = false;
      uv_async_send(async.get());
    }
  }
}

void Output::State::OnKick(uv_prepare_t* handle) noexcept {
  auto* self = static_cast<State*>(handle->data);
  uv_prepare_stop(handle);
  if (self == nullptr) return;
  self->kick_armed = false;
  self->work_cv.notify_one();
}

void Output::State::OnDrained(uv_async_t* handle) noexcept {
  auto* self = static_cast<State*>(handle->data);
  if (self == nullptr) return;
  {
    std::lock_guard lock(self->mu);
    if (!self->congested) return;
    if (self->front.size() + self->in_flight >= self->low_water &&
        !self->broken.load(std::memory_order_acquire)) {
      self->want_drain = true;  // more was queued meanwhile: wait for the next batch
      return;
    }
    self->congested = false;
  }
  uv_unref(self->async.raw());
  if (self->on_pressure) self->on_pressure(false);
}

Output::Output(uv_loop_t* loop, int fd, size_t high_water)
    : state_(std::make_shared<State>(fd, high_water > 1 ? high_water : 2)) {
  State& s = *state_;
  uv_async_init(loop, s.async.get(), &State::OnDrained);
  s.async.MarkInitialized();
  s.async->data = &s;
  // Idle output must not keep the loop running; the handle is referenced only while congested.
  uv_unref(s.async.raw());
  uv_prepare_init(loop, s.kick.get());
  s.kick.MarkInitialized();
  s.kick->data = &s;
  // A bigger pipe (the container case: stdout read by a log collector) means fewer, larger
  // writes and fewer context switches; a failure only leaves the default.
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) fcntl(fd, F_SETPIPE_SZ, 1 << 20);

  // The writer inherits a full signal mask: process signals go to the loop thread, and SIGPIPE
  // from a closed reader stays pending on this thread so write(2) returns EPIPE instead.
  struct BlockAllSignals {
    BlockAllSignals() {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &previous);
    }
    ~BlockAllSignals() { pthread_sigmask(SIG_SETMASK, &previous, nullptr); }
    sigset_t previous;
  } blocked;  // restored even if the thread cannot be created
  s.writer = std::thread([state = state_] { state->RunWriter(); });
}

Output::~Output() {
  State& s = *state_;
  SetStatus({});  // leave the terminal as the lines alone would
  Flush();
  bool stuck = false;
  {
    std::lock_guard lock(s.mu);
    s.stopping = true;
    stuck = s.abandoned && s.in_flight > 0;
  }
  s.work_cv.notify_one();
  if (stuck) {
    s.writer.detach();  // it holds its own reference to the state
  } else {
    s.writer.join();
  }
  s.kick.Close();
  s.async.Close();  // on the loop thread, whoever frees the state last
}

void Output::Abandon() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mu);
    s.abandoned = true;
    if (!s.broken.load(std::memory_order_relaxed)) s.error.store(ECANCELED, std::memory_order_relaxed);
    s.broken.store(true, std::memory_order_release);
    s.done += s.front.size();
    s.front.Clear();
    s.drained_cv.notify_all();
  }
  if (s.congested) {
    s.congested = false;
    uv_unref(s.async.raw());
    if (s.on_pressure) s.on_pressure(false);
  }
}

void Output::Write(std::string_view whole_lines) {
  if (whole_lines.empty()) return;
  Lines lines(*this);
  lines.AppendRaw(whole_lines);
}

Output::Lines::Lines(Output& output) : state_(*output.state_), queue_(nullptr), start_(0) {
  state_.mu.lock();
  if (state_.broken.load(std::memory_order_relaxed)) return;
  queue_ = &state_.front;
  start_ = queue_->size();
}

Output::Lines::~Lines() {
  State& s = state_;
  const size_t added = size();
  bool crossed = false;
  if (added > 0) {
    s.accepted += added;
    if (!s.congested && s.front.size() + s.in_flight > s.high_water) {
      s.congested = true;
      s.want_drain = true;
      crossed = true;
    }
  }
  s.mu.unlock();
  if (added > 0) s.Committed(/*was_empty=*/start_ == 0, crossed);
}

void Output::State::Committed(bool was_empty, bool crossed_high_water) {
  ++write_calls;
  // A non-empty queue means the writer already knows there is work.
  if (was_empty && !kick_armed) {
    kick_armed = true;
    uv_prepare_start(kick.get(), &State::OnKick);
  }
  if (crossed_high_water) {
    uv_ref(async.raw());  // a drain notification is now awaited
    if (on_pressure) on_pressure(true);
  }
}

void Output::SetPressureCallback(std::function<void(bool congested)> callback) {
  state_->on_pressure = std::move(callback);
}

void Output::SetStatus(std::vector<std::string> lines) {
  State& s = *state_;
  std::string draw = StatusDraw(lines);
  {
    std::lock_guard lock(s.mu);
    if (draw == s.status_draw && s.status_lines == lines.size()) return;
    s.status_draw = std::move(draw);
    s.status_lines = lines.size();
    s.status_dirty = true;
    ++s.status_version;
  }
  s.work_cv.notify_one();
}

void Output::Flush() {
  State& s = *state_;
  s.work_cv.notify_one();  // a kick may still be pending
  std::unique_lock lock(s.mu);
  const uint64_t target = s.accepted;
  const uint64_t status = s.status_version;
  s.drained_cv.wait(lock, [&] {
    return (s.done >= target && s.status_written >= status) ||
           s.broken.load(std::memory_order_acquire);
  });
}

bool Output::FlushFor(std::chrono::milliseconds timeout) {
  State& s = *state_;
  s.work_cv.notify_one();
  std::unique_lock lock(s.mu);
  const uint64_t target = s.accepted;
  const uint64_t status = s.status_version;
  return s.drained_cv.wait_for(lock, timeout, [&] {
    return (s.done >= target && s.status_written >= status) ||
           s.broken.load(std::memory_order_acquire);
  });
}

bool Output::congested() const { return state_->congested; }
bool Output::broken() const { return state_->broken.load(std::memory_order_acquire); }
int Output::error() const { return state_->error.load(std::memory_order_relaxed); }

size_t Output::pending() const {
  std::lock_guard lock(state_->mu);
  return state_->front.size() + state_->in_flight;
}

uint64_t Output::write_calls() const { return state_->write_calls; }
size_t Output::high_water() const { return state_->high_water; }
size_t Output::low_water() const { return state_->low_water; }

}  // namespace stackvisor::logmux
