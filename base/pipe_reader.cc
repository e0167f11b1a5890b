#include "base/pipe_reader.h"

#include <fcntl.h>

#include <algorithm>
#include <memory>

namespace stackvisor::base {
namespace {
// Large reads amortise the syscall and the line splitting over many lines.
constexpr size_t kReadChunk = 256 * 1024;

// One buffer for every reader of the thread: libuv calls alloc, read(2) and the read callback
// back to back, and on_data consumes the chunk before returning, so a chunk never outlives its
// callback. A thousand services then cost one buffer, not a thousand.
char* SharedBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}
}  // namespace

PipeReader::PipeReader(uv_loop_t* loop, UniqueFd fd, DataCallback on_data, EndCallback on_end)
    : on_data_(std::move(on_data)), on_end_(std::move(on_end)) {
  uv_pipe_init(loop, handle_.get(), 0);
  handle_.MarkInitialized();
  handle_->data = this;
  int rc = uv_pipe_open(handle_.get(), fd.get());
  if (rc != 0) {
    ended_ = true;
    return;  // fd closes with `fd`; the caller sees ended() at once
  }
  fd.Release();  // the uv_pipe_t owns it now and closes it with the handle
  Resume();
}

PipeReader::~PipeReader() { handle_.Close(); }

void PipeReader::Pause() {
  if (ended_ || paused_) return;
  paused_ = true;
  StopReading();
}

void PipeReader::Resume() {
  if (ended_) return;
  paused_ = false;
  if (!resting_) StartReading();  // a rest ends on its own within kRest
}

void PipeReader::Coalesce(bool on) {
  coalesce_ = on;
  if (on || !resting_) return;
  resting_ = false;
  rest_timer_->Stop();
  if (!paused_ && !ended_) StartReading();
}

void PipeReader::StartReading() {
  uv_read_start(reinterpret_cast<uv_stream_t*>(handle_.get()), &PipeReader::OnAlloc,
                &PipeReader::OnRead);
}

void PipeReader::StopReading() { uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_.get())); }

void PipeReader::AfterChunk(size_t size) {
  if (ended_) return;
  const bool after_rest = rested_;
  rested_ = false;
  // The rest must not block the child: if its pipe (nearly) filled meanwhile, give it room. A
  // pipe that fills while we read as fast as we can is left alone: there a full pipe is what
  // paces a child that outruns the output, and a larger one only lets it take the CPU from the
  // readers (measured: workload c of bench/throughput.sh lost a quarter of its throughput).
  if (after_rest && size >= pipe_capacity_ / 4 * 3 && pipe_capacity_ < kMaxPipe) Grow();
  if (throttled_) {
    Pause();
    return;
  }
  if (!coalesce_ || size >= kSmallRead || paused_) return;
  resting_ = true;
  StopReading();
  if (!rest_timer_) rest_timer_ = std::make_unique<Timer>(handle_->loop);
  rest_timer_->Start(kRest, [this] {
    resting_ = false;
    rested_ = true;
    if (!paused_ && !ended_) StartReading();
  });
}

void PipeReader::Grow() {
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(handle_.get()), &fd) != 0) return;
  // Refused (an unprivileged user past fs.pipe-user-pages-soft): keep the size, stop asking.
  int grown = fcntl(fd, F_SETPIPE_SZ, static_cast<int>(std::min(pipe_capacity_ * 4, kMaxPipe)));
  pipe_capacity_ = grown > 0 ? static_cast<size_t>(grown) : kMaxPipe;
}

void PipeReader::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
  (void)handle;
  *buf = uv_buf_init(SharedBuffer(), kReadChunk);
}

void PipeReader::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<PipeReader*>(stream->data);
  if (self == nullptr) return;
  if (nread > 0) {
    self->on_data_(std::string_view(buf->base, static_cast<size_t>(nread)));
    self->AfterChunk(static_cast<size_t>(nread));
  } else if (nread == UV_EOF) {
    self->Finish(0);
  } else if (nread < 0) {
    self->Finish(static_cast<int>(nread));
  }
}

void PipeReader::Finish(int error) {
  if (ended_) return;
  ended_ = true;
  StopReading();
  if (rest_timer_) rest_timer_->Stop();
  if (on_end_) on_end_(error);
}

}  // namespace stackvisor::base
