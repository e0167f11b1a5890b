#include "base/pipe_reader.h"

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
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_.get()));
}

void PipeReader::Resume() {
  if (ended_) return;
  paused_ = false;
  uv_read_start(reinterpret_cast<uv_stream_t*>(handle_.get()), &PipeReader::OnAlloc,
                &PipeReader::OnRead);
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
    if (self->throttled_) self->Pause();
  } else if (nread == UV_EOF) {
    self->Finish(0);
  } else if (nread < 0) {
    self->Finish(static_cast<int>(nread));
  }
}

void PipeReader::Finish(int error) {
  if (ended_) return;
  ended_ = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_.get()));
  if (on_end_) on_end_(error);
}

}  // namespace stackvisor::base
