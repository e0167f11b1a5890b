#include "control/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <exception>
#include <utility>

namespace stackvisor::control {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kNdjsonNote = "{\"note\":\"cut off: the client did not keep up\"}\n";
constexpr std::string_view kTextNote = "stackvisor: cut off: the client did not keep up\n";

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " s";
}

}  // namespace

Connection::Connection(uv_loop_t* loop, const Limits& limits, Handler& handler,
                       ServerStats& stats, std::function<void(Connection*)> on_closed)
    : limits_(limits),
      handler_(handler),
      stats_(stats),
      on_closed_(std::move(on_closed)),
      deadline_(loop),
      writes_(stream(), [this](int status) { OnWritesDone(status); }),
      decoder_(limits) {
  uv_pipe_init(loop, pipe_.get(), 0);
  pipe_.MarkInitialized();
  pipe_->data = this;
}

Connection::~Connection() {
  on_closed_ = nullptr;  // the owner is destroying us: it must not hear about it
  Close();
}

void Connection::Start() {
  int fd = -1;
  ucred peer{};
  socklen_t size = sizeof peer;
  if (uv_fileno(pipe_.raw(), &fd) != 0 ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
    Close();
    return;
  }
  peer_uid_ = peer.uid;
  peer_pid_ = peer.pid;
  uid_t own = geteuid();
  if (peer.uid != own && peer.uid != 0) {
    ++stats_.refused_peer;
    Refuse(403, "uid " + std::to_string(peer.uid) + " may not use this socket (only uid " +
                    std::to_string(own) + " and root)");
    return;
  }
  deadline_.Start(limits_.request_timeout, [this] { OnDeadline(); });
  StartReading();
}

void Connection::Refuse(int status, std::string_view message) {
  writes_.Write(SerializeResponse(status, kJson, ErrorJson(message), false));
  Close();
}

void Connection::StartReading() {
  if (reading_ || state_ == State::kClosed) return;
  reading_ = uv_read_start(stream(), &Connection::OnAlloc, &Connection::OnRead) == 0;
}

void Connection::OnAlloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  // Each read is consumed before the next allocation, so one buffer per loop thread serves
  // every connection.
  thread_local std::array<char, 64 * 1024> buffer;
  *buf = uv_buf_init(buffer.data(), static_cast<unsigned>(buffer.size()));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<Connection*>(stream->data);
  if (self == nullptr) return;
  if (nread < 0) {
    self->Close();  // EOF or reset: the client went away
    return;
  }
  if (nread > 0) self->OnBytes(std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void Connection::OnBytes(std::string_view bytes) noexcept {
  if (state_ == State::kReading || state_ == State::kHandling) {
    decoder_.Feed(bytes);
  }
  if (state_ == State::kReading) {
    ProcessInput();
  } else if (state_ == State::kHandling &&
             decoder_.buffered() > limits_.header_limit_bytes + limits_.body_limit_bytes) {
    // A client pipelining faster than we answer waits in the kernel, not in our memory.
    uv_read_stop(stream());
    reading_ = false;
  }
  // While streaming or closing, what the client sends is not a request we will answer.
}

void Connection::ProcessInput() {
  if (dispatching_) return;  // the loop below, further up the stack, picks it up
  dispatching_ = true;
  while (state_ == State::kReading) {
    Request request;
    DecodeOutcome outcome = decoder_.Next(request);
    if (outcome.kind == DecodeOutcome::Kind::kNeedMore) break;
    if (outcome.kind == DecodeOutcome::Kind::kError) {
      ++stats_.bad_requests;
      SendErrorAndClose(outcome.status, outcome.message);
      break;
    }
    deadline_.Stop();
    state_ = State::kHandling;
    keep_alive_ = outcome.keep_alive;
    request.peer_uid = peer_uid_;
    request.peer_pid = peer_pid_;
    auto reply = std::make_unique<Reply>(this);
    reply_ = reply.get();
    try {
      handler_.Handle(std::move(request), std::move(reply));
    } catch (const std::exception&) {
      // Nothing may throw out of a loop callback. Unwinding dropped the Reply, which answered
      // 500, so the connection carries on.
    }
  }
  dispatching_ = false;
  if (state_ == State::kReading) StartReading();
}

void Connection::SendResponse(int status, std::string_view content_type, std::string body,
                              const Headers& headers) {
  reply_ = nullptr;
  if (state_ != State::kHandling) return;
  writes_.Write(SerializeResponse(status, content_type, body, keep_alive_, headers));
  FinishResponse();
}

void Connection::BeginStream(int status, std::string_view content_type,
                             ResponseStream* stream) {
  reply_ = nullptr;
  if (state_ != State::kHandling) {
    stream->Detach();
    return;
  }
  state_ = State::kStreaming;
  stream_ = stream;
  stream_is_ndjson_ = content_type.find("ndjson") != std::string_view::npos;
  writes_.Write(SerializeStreamHead(status, content_type, keep_alive_));
}

bool Connection::PushChunk(std::string_view data) {
  if (state_ != State::kStreaming) return false;
  std::string frame = SerializeChunk(data);
  if (writes_.queued() + frame.size() > limits_.stream_buffer_bytes) {
    CutOff();
    return false;
  }
  writes_.Write(frame);
  return state_ == State::kStreaming;
}

void Connection::CutOff() {
  ++stats_.cut_off;
  writes_.DropPending();
  writes_.Write(SerializeChunk(stream_is_ndjson_ ? kNdjsonNote : kTextNote) +
                SerializeLastChunk());
  ResponseStream* stream = std::exchange(stream_, nullptr);
  BeginClosing();
  stream->Detach();  // last: its callback may destroy the stream or more
}

void Connection::EndStream() {
  stream_ = nullptr;
  if (state_ != State::kStreaming) return;
  writes_.Write(SerializeLastChunk());
  FinishResponse();
}

void Connection::Abandon() {
  reply_ = nullptr;
  if (state_ != State::kHandling) return;
  writes_.Write(SerializeResponse(500, kJson, ErrorJson("the request was not answered"),
                                  keep_alive_));
  FinishResponse();
}

void Connection::FinishResponse() {
  if (state_ == State::kClosed) return;  // the write failed and closed us
  if (!keep_alive_) {
    BeginClosing();
    return;
  }
  state_ = State::kReading;
  deadline_.Start(limits_.request_timeout, [this] { OnDeadline(); });
  ProcessInput();
}

void Connection::SendErrorAndClose(int status, std::string_view message) {
  keep_alive_ = false;
  writes_.Write(SerializeResponse(status, kJson, ErrorJson(message), false));
  BeginClosing();
}

void Connection::BeginClosing() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosing;
  close_when_flushed_ = true;
  if (writes_.empty()) {
    Close();
    return;
  }
  deadline_.Start(limits_.flush_timeout, [this] { OnDeadline(); });
}

void Connection::OnDeadline() noexcept {
  if (state_ == State::kClosing) {
    Close();  // the peer does not read its last words
  } else if (state_ == State::kReading && decoder_.buffered() == 0) {
    ++stats_.idle_closed;
    Close();
  } else if (state_ == State::kReading) {
    ++stats_.timed_out;
    SendErrorAndClose(408, "request not complete within " + Seconds(limits_.request_timeout));
  }
}

void Connection::OnWritesDone(int status) noexcept {
  if (state_ == State::kClosed) return;
  if (status < 0 || close_when_flushed_) Close();
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  deadline_.Stop();
  if (reply_ != nullptr) std::exchange(reply_, nullptr)->Detach();
  pipe_.Close();  // no callback of ours runs after this; a write in flight is cancelled
  ResponseStream* stream = std::exchange(stream_, nullptr);
  auto on_closed = std::move(on_closed_);
  on_closed_ = nullptr;
  if (on_closed) on_closed(this);
  if (stream != nullptr) stream->Detach();  // last: its callback may destroy the stream
}

}  // namespace stackvisor::control
