#include "control/write_queue.h"

namespace stackvisor::control {

struct WriteQueue::Request {
  uv_write_t request{};
  std::string data;
  WriteQueue* owner = nullptr;
};

WriteQueue::WriteQueue(uv_stream_t* stream, std::function<void(int)> on_done)
    : stream_(stream), on_done_(std::move(on_done)) {}

WriteQueue::~WriteQueue() {
  // The request is freed by its callback, which libuv still runs (UV_ECANCELED) after close.
  if (in_flight_ != nullptr) in_flight_->owner = nullptr;
}

void WriteQueue::Write(std::string_view bytes) {
  if (failed_ || bytes.empty()) return;
  pending_.append(bytes);
  if (in_flight_ == nullptr) Flush();
}

void WriteQueue::Flush() {
  if (pending_.empty()) return;
  uv_buf_t buf = uv_buf_init(pending_.data(), static_cast<unsigned>(pending_.size()));
  int written = uv_try_write(stream_, &buf, 1);
  if (written == UV_EAGAIN || written == UV_ENOSYS) written = 0;
  if (written < 0) {
    failed_ = true;
    pending_.clear();
    on_done_(written);
    return;
  }
  pending_.erase(0, static_cast<std::size_t>(written));
  if (pending_.empty()) {
    on_done_(0);
    return;
  }
  auto* request = new Request;
  request->data = std::move(pending_);
  pending_.clear();
  request->owner = this;
  request->request.data = request;
  uv_buf_t rest = uv_buf_init(request->data.data(), static_cast<unsigned>(request->data.size()));
  int rc = uv_write(&request->request, stream_, &rest, 1, &WriteQueue::OnWritten);
  if (rc != 0) {
    delete request;
    failed_ = true;
    on_done_(rc);
    return;
  }
  in_flight_ = request;
  in_flight_bytes_ = request->data.size();
}

void WriteQueue::OnWritten(uv_write_t* raw, int status) noexcept {
  auto* request = static_cast<Request*>(raw->data);
  WriteQueue* self = request->owner;
  delete request;
  if (self == nullptr) return;
  self->in_flight_ = nullptr;
  self->in_flight_bytes_ = 0;
  if (status < 0) {
    self->failed_ = true;
    self->pending_.clear();
    self->on_done_(status);
    return;
  }
  if (self->pending_.empty()) {
    self->on_done_(0);
  } else {
    self->Flush();
  }
}

}  // namespace stackvisor::control
